"""The service catalog (categories, items and their custom fields) and the onboarding form.

Custom fields and form fields share one shape: name, label, field_type, required, choices.
``examples`` are not stored: they are the answers the seed fills in for text fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OFFICES = ("London HQ", "Manchester", "New York", "Austin", "Berlin")


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    field_type: str  # a domain.onboarding.models.FormFieldType value
    required: bool = False
    choices: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    description: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "field_type": self.field_type,
            "required": self.required,
            "choices": list(self.choices),
        }


@dataclass(frozen=True, slots=True)
class CatalogItemText:
    name: str
    short_description: str
    description: str
    cost: float
    delivery_time_hours: int
    fields: tuple[FormField, ...] = field(default_factory=tuple)


REASON = FormField(
    "business_justification", "Business justification", "paragraph", True,
    examples=("Replacing a device that is out of warranty.", "Needed for the new analytics project.",
              "New joiner in my team.", "Current one is broken and slowing me down."),
)  # fmt: skip
NEEDED_BY = FormField("needed_by", "Needed by", "date")
DELIVER_TO = FormField("delivery_location", "Deliver to", "dropdown", True, OFFICES)
KEYBOARD = FormField("keyboard_layout", "Keyboard layout", "dropdown", True, ("UK", "US", "German"))
COST_CENTRE = FormField(
    "cost_centre", "Cost centre", "text", True, examples=("CC-1010", "CC-2040", "CC-3120")
)
MANAGER_EMAIL = FormField("manager_email", "Approving manager's email", "email", True)

# Category name -> (workspace name, description, items).
CATALOG: dict[str, tuple[str, str, tuple[CatalogItemText, ...]]] = {
    "Hardware": ("IT", "Laptops, monitors, docks, phones and accessories.", (
        CatalogItemText("MacBook Pro 14 (M3)", "Standard laptop for engineering and design.",
                        "Apple MacBook Pro 14-inch, M3 Pro, 18 GB memory, 512 GB SSD, with USB-C charger. "
                        "Delivered enrolled in device management, with your apps pre-installed.",
                        2149.0, 72, (REASON, KEYBOARD, DELIVER_TO, NEEDED_BY)),
        CatalogItemText("Dell Latitude 7450", "Standard Windows laptop for business roles.",
                        "Dell Latitude 7450, Intel Core Ultra 7, 16 GB memory, 512 GB SSD, Windows 11 "
                        "Enterprise. Delivered with a USB-C charger and a laptop sleeve.",
                        1499.0, 72, (REASON, KEYBOARD, DELIVER_TO, NEEDED_BY)),
        CatalogItemText("27-inch Monitor (Dell U2724D)", "A QHD monitor for your desk.",
                        "Dell UltraSharp 27-inch QHD monitor with a USB-C cable and height-adjustable stand.",
                        389.0, 48, (FormField("quantity", "Quantity", "number", True, examples=("1", "2")),
                                    DELIVER_TO, FormField("desk_number", "Desk number", "text",
                                                          examples=("3.14", "2.07", "4.22")))),
        CatalogItemText("Docking Station (Dell WD22TB4)", "Thunderbolt dock for two monitors.",
                        "Thunderbolt 4 dock with 180 W power delivery, two DisplayPort outputs and Ethernet.",
                        279.0, 48, (DELIVER_TO,)),
        CatalogItemText("Wireless Keyboard and Mouse", "Logitech MX Keys and MX Master set.",
                        "Logitech MX Keys keyboard and MX Master 3S mouse, Bluetooth, rechargeable.",
                        189.0, 24, (KEYBOARD, DELIVER_TO)),
        CatalogItemText("Headset (Jabra Evolve2 65)", "Certified wireless headset for Teams calls.",
                        "Jabra Evolve2 65, stereo, with charging stand and USB link.",
                        229.0, 24, (FormField("connection", "Connection", "dropdown", True,
                                              ("USB-A", "USB-C")), DELIVER_TO)),
        CatalogItemText("iPhone 15 (corporate)", "Company mobile phone with a business plan.",
                        "iPhone 15, 128 GB, enrolled in device management, with a business voice and data "
                        "plan.",
                        799.0, 96, (REASON, FormField("keep_number", "Transfer my existing number",
                                                      "checkbox"),
                                    FormField("plan", "Plan", "dropdown", True,
                                              ("UK only", "Europe roaming", "Worldwide roaming")))),
    )),
    "Software": ("IT", "Licences and installs for approved software.", (
        CatalogItemText("Adobe Acrobat Pro licence", "Edit, sign and compare PDFs.",
                        "A named Adobe Acrobat Pro licence, installed from Company Portal.", 239.0, 8,
                        (REASON, COST_CENTRE)),
        CatalogItemText("Microsoft Visio licence", "Diagrams and flowcharts.",
                        "Visio Plan 2 licence for the desktop and web "
                        "apps.", 180.0, 8, (REASON, COST_CENTRE)),
        CatalogItemText("JetBrains IntelliJ IDEA Ultimate", "Java and Kotlin IDE for engineers.",
                        "Named IntelliJ IDEA Ultimate licence from the company's JetBrains "
                        "account.", 599.0, 8,
                        (COST_CENTRE,)),
        CatalogItemText("Figma Professional seat", "Design and prototyping.",
                        "An editor seat in the company's Figma "
                        "organisation.", 144.0, 8, (REASON, MANAGER_EMAIL)),
        CatalogItemText("Tableau Creator licence", "Build dashboards and data sources.",
                        "Tableau Creator licence with Tableau Desktop and Prep.", 900.0, 24,
                        (REASON, COST_CENTRE, MANAGER_EMAIL)),
    )),
    "Access & Accounts": ("IT", "Mailboxes, groups, application access and admin rights.", (
        CatalogItemText("Shared mailbox access", "Access to an existing shared mailbox.",
                        "Full Access and optionally Send As on a shared mailbox; the owner approves.", 0.0, 4,
                        (FormField("mailbox_address", "Shared mailbox address", "email", True),
                         FormField("access_level", "Access level", "dropdown", True,
                                   ("Read only", "Full Access", "Full Access and Send As")))),
        CatalogItemText("VPN access", "Remote access to internal systems.",
                        "A GlobalProtect VPN profile for your laptop. Contractors need an end date.", 0.0, 4,
                        (REASON, FormField("duration", "Duration", "dropdown", True,
                                           ("30 days", "90 days", "Permanent")))),
        CatalogItemText("New distribution list", "An email group for a team or project.",
                        "A distribution list with the owners and members you name.", 0.0, 8,
                        (FormField("list_name", "List name", "text", True,
                                   examples=("project-atlas", "emea-sales-leads", "design-guild")),
                         FormField("owner_email", "Owner's email", "email", True))),
        CatalogItemText("Temporary admin rights", "Local administrator rights for a limited time.",
                        "Admin on Demand: administrator rights on your own laptop for up to 60 "
                        "minutes.", 0.0, 2,
                        (REASON, FormField("acknowledge_policy", "I have read the admin rights policy",
                                           "checkbox", True))),
        CatalogItemText("SharePoint site access", "Access to a team or project site.",
                        "Member or visitor access to a SharePoint site; the site owner approves.", 0.0, 4,
                        (FormField("site_url", "Site address", "text", True,
                                   examples=("https://helpdesk.sharepoint.test/sites/finance",
                                             "https://helpdesk.sharepoint.test/sites/atlas")),
                         FormField("permission", "Permission", "dropdown", True, ("Visitor", "Member")))),
        CatalogItemText("Salesforce user account", "A Salesforce licence and profile.",
                        "A Salesforce Sales Cloud user with the profile and role for your team.", 1200.0, 24,
                        (FormField("profile", "Profile", "dropdown", True,
                                   ("Sales User", "Sales Manager", "Read Only")), MANAGER_EMAIL)),
    )),
    "Network & Phones": ("IT", "Wi-Fi for guests, mobile plans and phone numbers.", (
        CatalogItemText("Guest Wi-Fi voucher", "Wi-Fi access for visitors.",
                        "Vouchers for the Guest Wi-Fi network, valid for up to 5 days.", 0.0, 1,
                        (FormField("guests", "Number of guests", "number", True, examples=("1", "3", "8")),
                         FormField("visit_date", "Visit date", "date", True))),
        CatalogItemText("International roaming add-on", "Roaming for a business trip.",
                        "Adds a roaming data bundle to your company mobile for the dates of your "
                        "trip.", 25.0, 8,
                        (FormField("destination", "Destination country", "text", True,
                                   examples=("United States", "Germany", "Japan", "Brazil")),
                         FormField("travel_date", "Travel date", "date", True))),
    )),
    "HR Services": ("HR", "Letters, personal details, leave and learning.", (
        CatalogItemText("Employment verification letter", "A signed letter confirming your employment.",
                        "For mortgages, rentals and visas: a signed letter with your role, start date and "
                        "(optionally) salary.", 0.0, 48,
                        (FormField("include_salary", "Include salary", "checkbox"),
                         FormField("addressed_to", "Addressed to", "text", True,
                                   examples=("To whom it may concern", "Nationwide Building Society",
                                             "Embassy of Japan")))),
        CatalogItemText("Change of personal details", "Update your address or emergency contact.",
                        "Change your home address, emergency contact or legal name.", 0.0, 24,
                        (FormField("detail", "What is changing", "dropdown", True,
                                   ("Home address", "Emergency contact", "Legal name")),
                         FormField("effective_date", "Effective from", "date", True))),
        CatalogItemText("Parental leave request", "Start a parental leave request.",
                        "Maternity, paternity, adoption or shared parental leave.", 0.0, 72,
                        (FormField("leave_type", "Leave type", "dropdown", True,
                                   ("Maternity", "Paternity", "Adoption", "Shared parental")),
                         FormField("start_date", "Start date", "date", True))),
        CatalogItemText("Training course enrolment", "Enrol on an internal or external course.",
                        "Courses from the learning catalogue, or external courses within your "
                        "budget.", 0.0, 48,
                        (FormField("course", "Course", "text", True,
                                   examples=("First-time managers", "Advanced Excel",
                                             "AWS Solutions Architect")),
                         MANAGER_EMAIL)),
        CatalogItemText("Payslip copy", "A copy of a past payslip or P60.",
                        "Copies of payslips older than 24 months, and P60s.", 0.0, 24,
                        (FormField("period", "Pay period", "text", True, examples=("March 2024",
                                   "2024-25 P60")),)),
    )),
    "Workplace Services": ("Facilities", "Badges, parking, moves, desks and catering.", (
        CatalogItemText("Building access badge", "A new or replacement badge.",
                        "Photo badge for the office doors and printers; collect it from reception.", 10.0, 24,
                        (FormField("badge_reason", "Reason", "dropdown", True, ("New", "Lost", "Damaged")),
                         DELIVER_TO)),
        CatalogItemText("Parking permit", "A permit for the office car park.",
                        "Annual permit for the car park; EV bays are booked separately.", 0.0, 48,
                        (FormField("registration", "Vehicle registration", "text", True,
                                   examples=("LK23 ABC", "MA71 XYZ", "B-HM 2026")),
                         FormField("electric_vehicle", "Electric vehicle", "checkbox"))),
        CatalogItemText("Ergonomic workstation assessment", "A desk assessment with a specialist.",
                        "A 30-minute assessment at your desk, with equipment recommendations.", 0.0, 120,
                        (FormField("notes", "Anything we should know", "paragraph",
                                   examples=("Lower back pain.", "Wrist pain when typing.",
                                             "")), DELIVER_TO)),
        CatalogItemText("Office move", "Move people or a team to other desks.",
                        "Crates, removals and IT reconnection for a move between desks or floors.", 0.0, 240,
                        (FormField("people", "Number of people", "number", True, examples=("1", "6", "12")),
                         FormField("move_date", "Move date", "date", True))),
        CatalogItemText("Meeting catering", "Refreshments or lunch for a meeting.",
                        "Coffee, tea and pastries, or lunch platters, delivered to your meeting "
                        "room.", 45.0, 24,
                        (FormField("attendees", "Attendees", "number", True, examples=("6", "10", "20")),
                         FormField("menu", "Menu", "dropdown", True,
                                   ("Coffee and pastries", "Sandwich lunch", "Vegan lunch")),
                         FormField("event_date", "Date", "date", True))),
    )),
}  # fmt: skip

ONBOARDING_FORM = (
    FormField("employee_name", "New starter's full name", "text", True,
              description="As it should appear in the directory and on the badge."),
    FormField("personal_email", "New starter's personal email", "email", True,
              description="Where the first-day sign-in details are sent."),
    FormField("start_date", "Start date", "date", True),
    FormField("department", "Department", "dropdown", True,
              ("Engineering", "Product", "Sales", "Marketing", "Customer Success", "Finance", "Legal",
               "Operations", "People", "Procurement", "Data & Analytics")),
    FormField("job_title", "Job title", "text", True),
    FormField("office", "Office", "dropdown", True, (*OFFICES, "Remote")),
    FormField("laptop", "Laptop", "dropdown", False, ("MacBook Pro 14 (M3)", "Dell Latitude 7450"),
              description="Leave empty for the department's standard laptop."),
    FormField("needs_vpn", "Needs VPN access", "checkbox"),
    FormField("notes", "Notes for IT and Facilities", "paragraph",
              examples=("Needs a standing desk.", "Will work mostly from the Berlin office.",
                        "Please add to the design-guild list.", "")),
)  # fmt: skip
