"""Knowledge base, IT: accounts and access, network and remote work."""

from __future__ import annotations

from seed.text.kb import Folders, topic

ACCOUNTS_AND_ACCESS: Folders = {
    "Passwords & Sign-in": ("Resetting, changing and unlocking your work account.", (
        topic(("password", "reset", "self-service"),
              ("How to reset your password",
               "Reset a forgotten password with self-service password reset (SSPR)",
               "Forgot your password? Reset it from the Windows sign-in screen",
               "Reset your work password on a Mac", "Password reset: register your phone for self-service"),
              ("Forgotten your password? You can reset it yourself in a few minutes with self-service "
               "password "
               "reset (SSPR), without calling the Service Desk.",
               "A password reset changes the password for email, Teams, the laptop and every single sign-on "
               "app.",
               "To reset your password you must have registered a phone number or the Authenticator app "
               "first."),
              ("Go to https://passwordreset.helpdesk.test or select 'Forgot password?' on the sign-in page.",
               "Enter your work email address and the characters shown in the picture.",
               "Choose how to verify: a text message, a call, or an approval in Microsoft Authenticator.",
               "Enter the code, then type your new password twice. It must be at least 14 characters long.",
               "On Windows, press Ctrl+Alt+Del and sign in with the new password; on a Mac, sign in and "
               "accept "
               "the prompt to update your keychain password."),
              ("If the reset page says you are not registered, ask a colleague to raise a ticket for you: "
               "the "
               "Service Desk will verify your identity by call-back and set a temporary password.",
               "If the reset code never arrives, check the mobile number on your profile and that you have "
               "signal.",
               "After a password reset, update the saved password on your phone's mail app to avoid "
               "lockouts.")),
        topic(("password", "expiry", "change"),
              ("Change your password before it expires", "Password expiry notifications explained",
               "How to change your password on Windows", "How to change your password on macOS",
               "Choosing a strong passphrase"),
              ("Work passwords expire every 180 days; you get reminders 14 days before the password expires.",
               "Changing your password yourself before it expires avoids being locked out on a Monday "
               "morning."),
              ("On Windows, press Ctrl+Alt+Del and choose 'Change a password'.",
               "On a Mac, open System Settings > Users & Groups and use the password option for your "
               "account.",
               "Enter the old password, then the new password twice: at least 14 characters, not used "
               "before.",
               "Use a passphrase of three or four random words; it is easier to type and harder to guess.",
               "Sign in again on your phone (Outlook, Teams) with the new password."),
              ("If the new password is refused, it may appear in a list of breached passwords: choose "
               "another one.",
               "If you are working remotely, connect first so your laptop learns the new password.")),
        topic(("account", "lockout", "password"),
              ("Account locked out: what to do", "Why does my account keep locking?",
               "Unlock your account after too many sign-in attempts",
               "Lockouts caused by an old password on a phone",
               "Account lockout policy"),
              ("Your account locks for 15 minutes after ten failed sign-in attempts, to stop password "
               "guessing.",
               "Repeated lockouts are nearly always caused by a device still trying an old password."),
              ("Wait 15 minutes: the account unlocks automatically.",
               "Sign in once on the web at https://myaccount.helpdesk.test to confirm your password works.",
               "Update the password on every device that syncs mail: phones, tablets, a second laptop.",
               "Remove saved credentials for old network drives in Windows Credential Manager.",
               "If the account still locks, raise a ticket: the Service Desk can see which device causes "
               "it."),
              ("Do not keep retrying: every failed attempt restarts the lockout timer.",
               "Lockouts that come from an unknown location are treated as a security incident.")),
    )),
    "Multi-factor Authentication": ("Sign-in approvals with Microsoft Authenticator and security keys.", (
        topic(("mfa", "authenticator", "enrolment"),
              ("Set up multi-factor authentication (MFA) with Microsoft Authenticator",
               "MFA enrolment for new starters", "How to register for MFA on your phone",
               "MFA: add a backup verification method", "What is multi-factor authentication?"),
              ("Multi-factor authentication (MFA) protects your account with a second step: after your "
               "password, you approve the sign-in on your phone.",
               "Every employee and contractor must enrol in MFA within 14 days of starting."),
              ("Install Microsoft Authenticator from the App Store or Google Play.",
               "On your computer, go to https://aka.ms/mysecurityinfo and sign in.",
               "Select 'Add sign-in method', choose Authenticator app, and scan the QR code with your phone.",
               "Approve the test notification and type the number shown on the screen.",
               "Add a phone number as a backup MFA method in case you lose access to the app."),
              ("If the QR code does not scan, choose 'Can't scan image?' and enter the code manually.",
               "MFA notifications need the phone to have data or Wi-Fi; codes in the app work offline.")),
        topic(("mfa", "new-phone", "authenticator"),
              ("Moving MFA to a new phone", "Got a new phone? Transfer Microsoft Authenticator",
               "Lost the phone with your MFA app", "Re-register MFA after a phone reset",
               "MFA on a replacement phone"),
              ("Authenticator accounts do not move automatically to a new phone: you need to register MFA "
               "again before you wipe or trade in the old one.",),
              ("Keep your old phone working and install Microsoft Authenticator on the new phone.",
               "Go to https://aka.ms/mysecurityinfo and sign in, approving with the old phone.",
               "Add the Authenticator app again and scan the QR code with the new phone.",
               "Make the new phone your default MFA method and delete the old phone's entry.",
               "If the old phone is lost, call the Service Desk: after verifying you, we clear your MFA "
               "methods "
               "so you can register again."),
              ("Cloud backup in Authenticator restores personal accounts but not work MFA accounts.",
               "A lost phone is a security incident: report it the same day.")),
        topic(("mfa", "troubleshooting", "security-key"),
              ("MFA prompts not arriving", "Troubleshooting MFA approval notifications",
               "Use a verification code when MFA notifications fail", "Unexpected MFA prompts: what to do",
               "Using a FIDO2 security key for MFA"),
              ("If MFA notifications stop arriving, you can still sign in with the six-digit code in "
               "Microsoft Authenticator.",
               "An MFA prompt you did not trigger means someone has your password: deny it and report it."),
              ("Open Microsoft Authenticator and check the work account is listed.",
               "On the sign-in page choose 'I can't use my Microsoft Authenticator app right now' and use a "
               "code.",
               "Allow notifications for Authenticator in your phone's settings and disable battery saving "
               "for it.",
               "Check the phone's clock is set automatically; codes fail when the time is wrong.",
               "Security keys (YubiKey) are available from the IT bar for people who cannot use a phone."),
              ("Deny any MFA prompt you did not start, then reset your password and raise a security ticket.",
               "Repeated prompts in a short time are an 'MFA fatigue' attack: never approve to make them "
               "stop.")),
    )),
    "Access Requests": ("Asking for access to files, applications and admin rights.", (
        topic(("access", "sharepoint", "shared-drive"),
              ("Request access to a SharePoint site or team folder", "Who approves access to a shared drive?",
               "Access denied on a SharePoint link", "Request access to a network drive",
               "Site owners: approve an access request"),
              ("Access to team sites and shared drives is granted by the site owner, not by IT.",
               "The Service Desk can tell you who owns a site if the request button does not reach anyone."),
              ("Open the link and select 'Request access'; add a short reason.",
               "The site owner gets an email and approves or declines it.",
               "If there is no request button, use the 'SharePoint site access' item in the service catalog.",
               "Once approved, sign out and in again; access can take 15 minutes."),
              ("Old links from before the migration do not work: ask the owner for a new link.",
               "Access for external guests is requested by the site owner, not the guest.")),
        topic(("access", "admin-rights", "security"),
              ("Temporary admin rights (Admin on Demand)",
               "How to install software that needs administrator rights",
               "Request local admin rights on your laptop", "Admin rights policy",
               "Developers: elevated rights for tooling"),
              ("Nobody works as a local administrator day to day; elevated rights are granted for up to 60 "
               "minutes through Admin on Demand.",),
              ("Request 'Temporary admin rights' in the service catalog once; approval takes a few hours.",
               "When approved, open Company Portal and run 'Request admin rights' whenever you need them.",
               "Install the tool and close the elevated session.",
               "Every elevation is logged with the commands that were run."),
              ("Software from the approved list does not need admin rights: install it from Company Portal.",
               "Elevation is refused on laptops that are not compliant (encryption off, updates overdue).")),
        topic(("access", "applications", "sso"),
              ("Request access to an application (Salesforce, Jira, Workday)",
               "Single sign-on: find your apps",
               "App access for a new team member", "Why is an app missing from my apps page?",
               "Remove access you no longer need"),
              ("Business applications use single sign-on: you sign in with your work account, and access is "
               "given through groups that the app owner approves.",),
              ("Go to https://myapps.helpdesk.test to see the applications you already have.",
               "Request new applications from the 'Access & Accounts' category of the service catalog.",
               "Your manager approves licensed applications; the app owner approves the role.",
               "Access appears on your apps page within an hour of approval."),
              ("If an app says 'user not assigned', the approval is still pending.",
               "Access is reviewed every quarter; unused licences are reclaimed after 60 days.")),
    )),
}  # fmt: skip

NETWORK_AND_REMOTE: Folders = {
    "VPN": ("GlobalProtect VPN: setup, connection problems and performance.", (
        topic(("vpn", "globalprotect", "setup"),
              ("How to connect to the VPN (GlobalProtect)", "Set up the VPN on Windows",
               "Set up the VPN on a Mac",
               "VPN: first connection on a new laptop", "Which VPN gateway should I use?"),
              ("The VPN (GlobalProtect) connects your laptop to the internal network when you work outside "
               "the "
               "office, so you can reach the intranet, file shares and internal tools.",
               "Company laptops have the GlobalProtect VPN client installed already."),
              ("Click the GlobalProtect globe icon in the taskbar (Windows) or the menu bar (Mac).",
               "Enter the VPN portal address vpn.helpdesk.test if it is not filled in already.",
               "Sign in with your work account and approve the MFA prompt.",
               "Pick the gateway nearest to you: Europe, US East or US Central.",
               "The VPN icon shows a shield when connected; disconnect when you are back in the office."),
              ("If the VPN shows 'Connecting...' for more than a minute, switch gateway and try again.",
               "Hotel and airport Wi-Fi may block the VPN until you accept their terms in a browser.")),
        topic(("vpn", "troubleshooting", "remote-access"),
              ("VPN will not connect: troubleshooting", "VPN error 'gateway not responding'",
               "VPN keeps disconnecting", "VPN certificate error",
               "VPN connects but internal sites do not load"),
              ("Most VPN connection problems come from the local network, an expired device certificate or "
               "an "
               "out-of-date GlobalProtect client.",),
              ("Check the internet works without the VPN by opening a public website.",
               "Restart GlobalProtect: right-click the icon, choose 'Disable' then 'Enable'.",
               "Try another VPN gateway from the GlobalProtect settings.",
               "Restart the laptop so a renewed device certificate can install.",
               "If internal sites still fail, run 'ipconfig /flushdns' (Windows) and reconnect the VPN."),
              ("A VPN certificate error means the device certificate expired: the Service Desk renews it "
               "remotely.", "Home routers with 'VPN passthrough' disabled can block the connection.")),
        topic(("vpn", "performance", "split-tunnel"),
              ("Slow VPN: improve performance", "VPN and video calls: split tunnelling explained",
               "Large file transfers over the VPN", "Should I stay on the VPN all day?",
               "VPN usage guidelines"),
              ("Since the split-tunnel VPN rollout, Teams, Zoom and Microsoft 365 traffic goes directly to "
               "the "
               "internet, and only internal traffic uses the VPN.",),
              ("Disconnect the VPN when you only need email, Teams and Microsoft 365: they do not need it.",
               "Use a wired connection or sit near your router for large transfers.",
               "Copy large files from SharePoint rather than from file shares over the VPN.",
               "Check GlobalProtect shows the split-tunnel profile (Settings > Connection > 'Split')."),
              ("Slow VPN on every site usually means a busy home connection: pause uploads and streaming.",)),
    )),
    "Wi-Fi & Network": ("Office Wi-Fi, guest access and wired connections.", (
        topic(("wifi", "network", "corp-secure"),
              ("Connect to the office Wi-Fi (Corp-Secure)", "Wi-Fi on a new laptop",
               "Corp-Secure certificate prompt",
               "Wi-Fi drops in the office", "Office Wi-Fi networks explained"),
              ("Company devices join the Corp-Secure Wi-Fi network automatically with a device certificate.",
               "Personal devices use the Guest Wi-Fi network, never Corp-Secure."),
              ("Open the wireless (WiFi) settings and select Corp-Secure from the list of Wi-Fi networks.",
               "If asked, accept the certificate issued by 'Helpdesk Root CA'.",
               "Do not enter your password: the laptop authenticates with its certificate.",
               "If the Wi-Fi keeps dropping, forget the network and join it again."),
              ("Report Wi-Fi drops with the floor and nearest meeting room so the network team can check the "
               "access point.",)),
        topic(("wifi", "guest", "visitors"),
              ("Guest Wi-Fi for visitors", "Get a Guest Wi-Fi voucher", "Personal phone on the office Wi-Fi",
               "Guest Wi-Fi for events", "Guest Wi-Fi terms"),
              ("Visitors and personal devices use the Guest Wi-Fi network, which reaches the internet "
               "only.",),
              ("Ask reception for a Guest Wi-Fi voucher, or request one in the service catalog.",
               "Join the 'Guest' wireless (WiFi) network and open a browser: the welcome page appears.",
               "Enter the voucher code; it is valid for up to five days.",
               "For events with more than 20 guests, request vouchers two working days ahead."),
              ("Guest Wi-Fi does not reach internal systems: staff should use Corp-Secure.",)),
        topic(("network", "ethernet", "wired"),
              ("Wired network connection not working", "Using Ethernet at a hot desk",
               "Network port not active",
               "Docking station Ethernet", "Limited or no connectivity on a wired connection"),
              ("Every desk has an active network port, usually through the docking station.",),
              ("Plug the network cable into the docking station, not directly into the wall.",
               "Check the dock's link light is on; try another desk port if not.",
               "Restart the dock by unplugging its power for ten seconds.",
               "Report ports that stay dark with the desk number printed on the floor box."),
              ("Wired connections do not need the VPN inside the office.",)),
    )),
    "Remote Work": ("Working from home and on the road.", (
        topic(("remote-work", "home-office", "checklist"),
              ("Working from home: setup checklist", "Home office equipment you can request",
               "Secure working from home", "Working from home on a personal computer",
               "Working abroad: what IT needs to know"),
              ("This checklist covers what you need to work securely from home or while travelling.",
               "Company data stays on company devices: personal computers may only use webmail and Teams in "
               "the browser."),
              ("Take your laptop, charger and headset home; docks and monitors can be requested from the "
               "catalog.",
               "Lock your screen (Windows+L or Ctrl+Cmd+Q) whenever you step away.",
               "Use your home network rather than public Wi-Fi for confidential work.",
               "Tell IT before working abroad for more than two weeks: some countries need approval."),
              ("Printing at home is not supported: use secure print in the office.",)),
        topic(("remote-desktop", "remote-work"),
              ("Connect to your office PC with Remote Desktop", "Remote Desktop from a Mac",
               "Remote Desktop 'computer not found'", "Leaving your office PC on for remote access",
               "Remote Desktop and the Azure Virtual Desktop"),
              ("If your work depends on software installed on an office desktop, you can reach it with "
               "Remote "
               "Desktop over the VPN.",),
              ("Connect to the VPN first.",
               "Open Remote Desktop Connection (Windows) or Windows App (Mac).",
               "Enter the desktop's name, printed on its asset label (for example DT-01234).",
               "Sign in with your work account; keep the session open while you work."),
              ("If the computer is not found, it may be asleep: ask a colleague in the office to wake it.",)),
        topic(("video-calls", "home-internet", "remote-work"),
              ("Better video calls from home", "Home internet too slow for calls",
               "Reduce echo and noise on calls", "Headset recommendations", "Mobile hotspot as a backup"),
              ("Most call quality problems at home come from Wi-Fi distance and busy connections, not from "
               "the laptop.",),
              ("Sit close to your router or use a cable for important calls.",
               "Use a headset rather than the laptop's speakers to stop echo.",
               "Turn off your camera if the call freezes; audio needs far less bandwidth.",
               "Run the Teams test call to check your microphone before meetings."),
              ("A company phone can share its connection as a hotspot in an emergency.",)),
    )),
}  # fmt: skip
