"""The words around every ticket: greetings, impact, replies, and the fillers for placeholders."""

from __future__ import annotations

GREETINGS = ("Hi,", "Hello,", "Hi team,", "Hello Service Desk,", "Good morning,", "Hi all,")

IMPACTS = (
    "This is blocking my work today.",
    "Not urgent, but it would be great to have it sorted this week.",
    "I have a deadline on {weekday}, so any help is appreciated.",
    "A few people in my team are affected.",
    "I can work around it for now.",
    "I'm presenting to a customer later, so this is quite urgent.",
)

SIGN_OFFS = ("Thanks,", "Many thanks,", "Thank you,", "Best regards,", "Cheers,", "Kind regards,")

ACKNOWLEDGEMENTS = (
    "Hi {first}, thanks for getting in touch. I'm looking into this now.",
    "Hi {first}, thanks for the details. I've picked this up and will update you shortly.",
    "Hi {first}, sorry for the trouble. Could you confirm when this last worked for you?",
    "Hi {first}, thanks for reporting this. I'm checking a couple of things on our side.",
)

REQUESTER_REPLIES = (
    "Thanks for the quick response.",
    "It last worked on {weekday}, before I restarted.",
    "I've tried that, but it's still the same.",
    "Sure, I'm at my desk on {floor} all afternoon.",
    "Screenshot attached. Let me know if you need anything else.",
    "Thanks, that worked!",
)

PENDING_ASKS = (
    "Hi {first}, could you send us a screenshot of the error? I'll set this to pending until then.",
    "Hi {first}, we're waiting for the supplier to confirm a date; I'll update you as soon as I hear back.",
    "Hi {first}, can you let us know a time today when we can connect remotely?",
)

SERVICE_REQUEST_ACKS = (
    "Hi {first}, thanks for your request for {item}. It's with the fulfilment team now.",
    "Hi {first}, we've received your request for {item} and are waiting for approval.",
    "Hi {first}, thanks, I'm picking up your {item} request and will update you when it's scheduled.",
)

SERVICE_REQUEST_CHECKS = (
    "Approval received from the line manager. Order raised with the supplier.",
    "Cost centre checked against the budget owner; approved.",
    "Stock checked: available locally, no purchase order needed.",
    "Waiting for the budget holder's approval before ordering.",
)

SERVICE_REQUEST_FIXES = (
    "Hi {first}, your request for {item} is complete. Let us know if anything is missing.",
    "Hi {first}, {item} has been delivered and set up. We're closing this request.",
    "Hi {first}, all done: {item} is ready for you.",
)

SINCE = ("this morning", "yesterday afternoon", "the update on Monday", "last week", "about an hour ago")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
ROOMS = ("Thames", "Mersey", "Hudson", "Colorado", "Spree", "Severn", "Boardroom", "Focus Room 2", "Atrium")
APPS = (
    "Adobe Acrobat Pro",
    "Microsoft Visio",
    "Tableau Desktop",
    "Power BI Desktop",
    "Visual Studio Code",
    "IntelliJ IDEA",
    "Figma",
    "Zoom",
    "Slack",
    "Docker Desktop",
    "SAP GUI",
    "Jira",
    "Miro",
    "Postman",
)

LOCATION_CODES = {
    "London HQ": "LON", "Manchester": "MAN", "New York": "NYC", "Austin": "AUS", "Berlin": "BER",
    "Remote": "LON",
}  # fmt: skip
