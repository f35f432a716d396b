"""What people raise with the IT service desk: subjects, details, and how agents resolve them.

Placeholders filled per ticket: {first} {location} {floor} {room} {printer} {device} {app}
{since} {weekday} {number}.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TicketTopic:
    workspace: str
    group: str  # the agent group key that handles it (seed.text.people.GROUPS)
    tags: tuple[str, ...]
    subjects: tuple[str, ...]
    details: tuple[str, ...]  # in the requester's voice; two are picked for the description
    check: str  # the agent's private investigation note
    fix: str  # the public note that resolves it
    request: bool = False  # a service request rather than an incident


def _it(group: str, tags: tuple[str, ...], subjects: tuple[str, ...], details: tuple[str, ...],
        check: str, fix: str, *, request: bool = False) -> TicketTopic:  # fmt: skip
    return TicketTopic("IT", group, tags, subjects, details, check, fix, request)


IT_TOPICS = (
    _it("network", ("vpn", "remote-access"),
        ("Cannot connect to VPN from home", "VPN keeps disconnecting every few minutes",
         "GlobalProtect stuck on 'Connecting...'"),
        ("Since {since} GlobalProtect shows 'Connecting' and then times out.",
         "I'm working from home and can't reach any internal sites without the VPN.",
         "My home broadband is fine, other sites load normally.",
         "I restarted the laptop twice and it still fails."),
        "Gateway logs show the client certificate on the laptop expired; the portal rejects the handshake.",
        "Hi {first}, I've pushed a renewed certificate to your laptop. Please restart GlobalProtect and "
        "connect to the 'Europe' gateway. Let us know if it drops again."),
    _it("network", ("vpn", "performance"),
        ("VPN very slow when on video calls", "Internal sites slow over VPN"),
        ("When I'm on the VPN, Teams calls keep freezing and screen sharing lags badly.",
         "File transfers from the shared drive take ages over the VPN.",
         "It's fine when I disconnect from the VPN."),
        "Client was on the full-tunnel profile from the old rollout; Teams media was going through the DC.",
        "Hi {first}, your laptop now uses the split-tunnel VPN profile, so Teams traffic no longer goes "
        "through the VPN. Calls should be smooth again."),
    _it("service_desk", ("password", "account"),
        ("Forgot my password", "Password reset request", "Password expired and I can't log in"),
        ("I was on leave and my password expired while I was away.",
         "I've forgotten my password and the self-service reset link never arrives.",
         "I need to get into my laptop for a client meeting at 2pm."),
        "Identity verified by a call-back to the mobile number in the HR system. SSPR not registered.",
        "Hi {first}, I've set a temporary password and sent it to your mobile by text. You'll be asked "
        "to choose a new one at sign-in. Please also register for self-service password reset."),
    _it("identity", ("account", "lockout"),
        ("Account locked out", "My account keeps getting locked", "Locked out after password change"),
        ("My account locks every morning even though I'm typing the right password.",
         "I changed my password yesterday and since then I'm locked out every hour.",
         "My phone still has the old password saved for email, could that be it?"),
        "Lockout source is the user's iPhone (ActiveSync) still using the old password.",
        "Hi {first}, I've unlocked the account. The lockouts came from your phone's mail app using your "
        "old password: please update the password on your phone (Settings > Mail > Accounts)."),
    _it("identity", ("mfa", "authenticator"),
        ("New phone - need to move MFA", "MFA prompts not arriving",
         "Can't approve sign-in on Authenticator"),
        ("I got a new phone and the Authenticator app on it doesn't have my work account.",
         "The sign-in approval notifications stopped arriving on my phone since {since}.",
         "I can't get into Outlook or Teams without approving the sign-in."),
        "Old device still registered as default MFA method. Verified the user by video call.",
        "Hi {first}, I've removed the old phone from your account. Go to https://aka.ms/mysecurityinfo, "
        "add Microsoft Authenticator and scan the QR code with the new phone."),
    _it("identity", ("access", "sharepoint"),
        ("Access to the Finance SharePoint site", "Need access to shared drive",
         "Request access to team folder"),
        ("I've joined the project and need edit access to the team's SharePoint site.",
         "I get 'You need permission to access this item' when I open the link.",
         "My manager has approved this by email."),
        "Site owner approval received; added the user to the site's Members group.",
        "Hi {first}, you now have edit access. It can take up to 15 minutes to apply; sign out and back "
        "in if the link still refuses you.", request=True),
    _it("identity", ("access", "admin-rights"),
        ("Need local admin rights to install a tool", "Temporary admin access request"),
        ("I need to install a command-line tool that requires administrator rights.",
         "The install fails with 'You need administrator permission'.",
         "It's for the data migration work this {weekday}."),
        "Checked the tool against the approved software list: not listed, security review requested.",
        "Hi {first}, admin rights are granted through Admin on Demand for 60 minutes at a time: open "
        "Company Portal and run 'Request admin rights'. The tool has been added to the approved list.",
        request=True),
    _it("endpoint", ("laptop", "performance"),
        ("Laptop extremely slow", "Laptop freezing several times a day", "{device} very slow since update"),
        ("My {device} takes ten minutes to start and freezes when I open Excel.",
         "The fan is constantly loud and everything is slow since {since}.",
         "I've already closed everything I don't need."),
        "Disk at 98% full, 3 GB of RAM used by a stuck indexing process; device last rebooted 41 days ago.",
        "Hi {first}, we cleared 60 GB of temporary files and fixed the indexing service remotely. Please "
        "restart your laptop at least once a week so updates can finish."),
    _it("endpoint", ("laptop", "hardware"),
        ("Laptop screen flickering", "Cracked laptop screen", "Keyboard keys not working"),
        ("The screen on my {device} flickers and sometimes goes black.",
         "I dropped my laptop and the screen is cracked in the corner.",
         "Several keys on the keyboard have stopped working."),
        "Hardware fault confirmed by photo. Device is under warranty; loan laptop prepared.",
        "Hi {first}, a loan laptop is ready at the IT bar on {floor} in {location}. Your laptop will go "
        "for warranty repair; we'll let you know when it's back."),
    _it("endpoint", ("laptop", "bitlocker"),
        ("BitLocker recovery key needed", "Laptop asking for recovery key"),
        ("After a BIOS update my laptop asks for a BitLocker recovery key.",
         "I can't get past the blue recovery screen.",
         "The key ID it shows starts with {number}."),
        "Recovery key retrieved from Intune after verifying the user's identity.",
        "Hi {first}, we read the 48-digit recovery key to you over the phone and the laptop now starts "
        "normally. The key has been rotated."),
    _it("endpoint", ("printer", "printing"),
        ("Printer on {floor} not printing", "Can't print to {printer}", "Print jobs stuck in queue"),
        ("Jobs go to the queue but nothing comes out of {printer}.",
         "The printer on {floor} in {location} shows 'Ready' but ignores my jobs.",
         "Colleagues on the same floor have the same problem."),
        "Print server spooler had 140 stuck jobs for the {floor} queue; printer firmware out of date.",
        "Hi {first}, we cleared the print queue and restarted the spooler. {printer} is printing again."),
    _it("endpoint", ("printer", "setup"),
        ("Add printer to my laptop", "How do I connect to the new printer?", "Printer missing after move"),
        ("I moved to {floor} and the nearest printer isn't on my laptop.",
         "I can't find {printer} in the list of printers.",
         "I'm on a Mac if that matters."),
        "User not in the print-users group for the {location} site.",
        "Hi {first}, you're now in the right group. Use Secure Print (follow-me printing): print to "
        "'FollowMe', then tap your badge at any printer to release the job."),
    _it("endpoint", ("scanner", "printing"),
        ("Scan to email not working", "Scanner not sending to my inbox"),
        ("When I scan on {printer} the email never arrives.",
         "The panel says 'Send complete' but nothing reaches my inbox.",
         "I need to scan signed contracts today."),
        "The multifunction device still relays through the old SMTP host, which was decommissioned.",
        "Hi {first}, the scanner now sends through the new mail relay. Scans should arrive within a minute."),
    _it("endpoint", ("mobile", "intune"),
        ("Set up work email on my phone", "Company Portal enrolment fails", "Phone not compliant"),
        ("I'd like to get Outlook and Teams on my personal phone.",
         "Company Portal says my device is not compliant and blocks email.",
         "Enrolment stops with error {number}."),
        "Device OS below the minimum version in the compliance policy.",
        "Hi {first}, please update your phone to the latest OS and open Company Portal > Check status. "
        "Once it shows 'Compliant', Outlook will sync."),
    _it("endpoint", ("mobile", "lost-device"),
        ("Lost my work phone", "Laptop stolen from car", "Phone left in a taxi"),
        ("I think I left my work phone in a taxi last night.",
         "My laptop bag was stolen from my car this morning; I've reported it to the police.",
         "The device had my email and Teams on it."),
        "Remote wipe issued from Intune; sessions revoked and password reset as a precaution.",
        "Hi {first}, the device has been wiped remotely and your sign-in sessions revoked. A replacement "
        "is being prepared; please send us the police reference for the insurance claim."),
    _it("applications", ("outlook", "email"),
        ("Outlook keeps asking for password", "Outlook not syncing", "Emails stuck in Outbox"),
        ("Outlook keeps popping up a sign-in window every few minutes.",
         "New emails are not arriving in Outlook but I can see them in webmail.",
         "Messages sit in the Outbox and never send."),
        "Corrupt Outlook profile with a stale cached credential in Credential Manager.",
        "Hi {first}, we removed the old saved credentials and created a new Outlook profile. Mail is "
        "syncing again; it may take an hour to download older folders."),
    _it("applications", ("outlook", "shared-mailbox"),
        ("Add shared mailbox to Outlook", "Access to the support@ mailbox", "Shared mailbox not showing"),
        ("I need access to the team's shared mailbox to answer customer emails.",
         "I was given access but the mailbox doesn't appear in Outlook.",
         "I also need to send as the shared address."),
        "Full Access and Send As granted; automapping takes up to an hour.",
        "Hi {first}, you have Full Access and Send As on the shared mailbox. Restart Outlook; it will "
        "appear in the folder list automatically.", request=True),
    _it("applications", ("phishing", "security"),
        ("Suspicious email received", "Possible phishing email", "I clicked a link in a strange email"),
        ("I got an email claiming to be from our CEO asking for gift cards.",
         "The email asks me to re-enter my password on a page that looks like Microsoft's.",
         "I clicked the link but didn't type anything, I think."),
        "Message confirmed as phishing; purged from all mailboxes, sender domain blocked, no sign-in "
        "from unusual locations.",
        "Hi {first}, thanks for reporting it: it was phishing and we've removed it from every mailbox. "
        "Use the 'Report' button in Outlook next time."),
    _it("applications", ("teams", "meetings"),
        ("Teams calls - others can't hear me", "Teams camera not working",
         "Teams crashes when sharing screen"),
        ("In Teams meetings nobody can hear me although my headset works elsewhere.",
         "My camera shows a black image in Teams.",
         "Teams closes as soon as I try to share my screen."),
        "Teams was using the laptop's disabled internal microphone; client cache corrupt.",
        "Hi {first}, we cleared the Teams cache and set your headset as the default device "
        "(Settings > Devices). Please run a test call to confirm."),
    _it("applications", ("onedrive", "files"),
        ("OneDrive not syncing", "Files show sync errors", "Restore deleted file"),
        ("OneDrive shows a red cross and my files aren't syncing.",
         "I deleted a folder by mistake on {weekday}; can it be restored?",
         "I need the version of the spreadsheet from last week."),
        "Sync blocked by a path longer than 400 characters; the deleted folder is in the site recycle bin.",
        "Hi {first}, we shortened the offending path and restored the folder from the recycle bin. "
        "OneDrive is syncing again."),
    _it("applications", ("software", "installation"),
        ("Install {app}", "Need {app} on my laptop", "{app} installation fails"),
        ("I need {app} for a project starting this {weekday}.",
         "I can't find {app} in Company Portal.",
         "The installer fails with error {number}."),
        "{app} is packaged in Company Portal but assigned only to the licensed group.",
        "Hi {first}, you're in the {app} group now. Open Company Portal (or Self Service on a Mac) and "
        "install it from there.", request=True),
    _it("applications", ("licence", "software"),
        ("{app} licence expired", "Request a {app} licence", "{app} says unlicensed product"),
        ("{app} says my licence has expired.", "I need a {app} licence for my new role.",
         "My manager approved the cost centre."),
        "Licence pool had no free seats; reclaimed a seat from a leaver.",
        "Hi {first}, a licence is now assigned to you. Sign out of {app} and sign in again to activate it.",
        request=True),
    _it("applications", ("salesforce", "crm"),
        ("Salesforce login issue", "Salesforce report not loading", "Need Salesforce permission set"),
        ("I can't see the opportunities for my new territory in Salesforce.",
         "Salesforce shows 'Insufficient privileges' on the pipeline report.",
         "It worked last week before the reorg."),
        "User profile still points to the old territory role after the reorganisation.",
        "Hi {first}, we updated your Salesforce role and permission set. The pipeline report opens now."),
    _it("network", ("wifi", "network"),
        ("Wi-Fi dropping on {floor}", "Can't connect to Corp-Secure Wi-Fi", "Wi-Fi slow in {room}"),
        ("The Wi-Fi keeps dropping on {floor} in {location}.",
         "My laptop won't join Corp-Secure; it says the certificate is invalid.",
         "Video calls from {room} break up constantly."),
        "Access point on {floor} rebooting in a loop after a firmware update; replacement scheduled.",
        "Hi {first}, the faulty access point on {floor} was replaced this morning. Coverage is back to "
        "normal; let us know if you still see drops."),
    _it("network", ("network", "outage"),
        ("Shared drive unavailable", "Internal website down", "Cannot reach the intranet"),
        ("The S: drive disappeared and I get 'network path not found'.",
         "The intranet shows a gateway error.",
         "The whole team on {floor} is affected."),
        "File server ran out of disk space during the overnight backup; service restarted.",
        "Hi {first}, the file server is back and the drive is available again. We've added storage so it "
        "doesn't happen again."),
    _it("endpoint", ("hardware", "peripherals"),
        ("Docking station not detecting monitors", "Second monitor not working", "Need a new headset"),
        ("My two monitors stay black when I plug into the docking station.",
         "The dock on my desk on {floor} only powers the laptop.",
         "The headset's microphone crackles on every call."),
        "Dock firmware out of date; the USB-C cable was damaged.",
        "Hi {first}, we updated the dock firmware and replaced the cable; both monitors work now."),
    _it("endpoint", ("laptop", "new-starter"),
        ("Laptop for new starter", "Equipment for new team member", "New starter setup - {weekday}"),
        ("We have someone joining the team on {weekday} who'll need a laptop and a headset.",
         "Can you make sure the laptop is ready before they start?",
         "They will be based in {location}."),
        "Laptop imaged with Autopilot and assigned; accounts created by the onboarding workflow.",
        "Hi {first}, the laptop is ready for collection at the IT bar on {floor}. The new starter signs "
        "in with the temporary password sent to their personal email.", request=True),
    _it("service_desk", ("how-to", "windows"),
        ("How do I change my default browser?", "Windows update keeps restarting", "Taskbar missing"),
        ("My laptop restarts for updates in the middle of the day.",
         "I'd like to know how to postpone updates until the evening.",
         "The taskbar disappeared after the latest update."),
        "Active hours not configured; update was pending for 12 days.",
        "Hi {first}, updates are now installed. Set your active hours in Settings > Windows Update so the "
        "laptop restarts outside them."),
    _it("service_desk", ("account", "new-account"),
        ("Name change on my account", "Update my job title in the directory", "Email alias request"),
        ("I got married and would like my account to show my new surname.",
         "My job title in Outlook is still my old one.",
         "Please keep my old email address as an alias."),
        "HR record updated on {weekday}; directory sync picked up the change.",
        "Hi {first}, your display name and email address are updated and your old address still "
        "delivers to you.", request=True),
)  # fmt: skip
