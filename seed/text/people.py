"""Who works here: names, departments, job titles, offices, workspaces and agent groups."""

from __future__ import annotations

FIRST_NAMES = (
    "Olivia", "Liam", "Amelia", "Noah", "Isla", "Oliver", "Ava", "George", "Mia", "Arthur",
    "Sophia", "Leo", "Grace", "Oscar", "Freya", "Harry", "Emily", "Jack", "Ella", "Charlie",
    "Chloe", "Thomas", "Lily", "James", "Evie", "William", "Ruby", "Henry", "Alice", "Samuel",
    "Priya", "Arjun", "Ananya", "Rohan", "Aisha", "Omar", "Fatima", "Yusuf", "Zara", "Ibrahim",
    "Mei", "Wei", "Hana", "Kenji", "Yuki", "Min-jun", "Seo-yeon", "Linh", "Minh", "Siddharth",
    "Sofia", "Mateo", "Valentina", "Diego", "Camila", "Lucas", "Isabella", "Gabriel", "Lucia", "Javier",
    "Emma", "Jonas", "Lena", "Felix", "Hannah", "Paul", "Marie", "Lukas", "Clara", "Maximilian",
    "Chiara", "Marco", "Giulia", "Luca", "Elena", "Pierre", "Camille", "Louis", "Chloé", "Hugo",
    "Nia", "Kwame", "Amara", "Tunde", "Zainab", "Chidi", "Efua", "Kofi", "Ayesha", "Bilal",
    "Ethan", "Madison", "Logan", "Harper", "Mason", "Abigail", "Elijah", "Avery", "Caleb", "Scarlett",
    "Daniel", "Sarah", "Michael", "Laura", "David", "Rachel", "Matthew", "Rebecca", "Andrew", "Natalie",
    "Connor", "Niamh", "Callum", "Eilidh", "Rhys", "Cerys", "Aoife", "Ciaran", "Siobhan", "Declan",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
    "Clarke", "Khan", "Ahmed", "Ali", "Hussain", "Shah", "Singh", "Kaur", "Sharma", "Gupta",
    "Nguyen", "Tran", "Chen", "Wang", "Li", "Zhang", "Kim", "Park", "Tanaka", "Sato",
    "Garcia", "Martinez", "Rodriguez", "Lopez", "Hernandez", "Gonzalez", "Perez", "Sanchez", "Ramirez",
    "Torres",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch",
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Martin", "Bernard", "Dubois", "Moreau",
    "Okafor", "Mensah", "Adeyemi", "Boateng", "Osei", "Nwosu", "Achebe", "Abara", "Diallo", "Traore",
    "Murphy", "Kelly", "O'Brien", "Byrne", "Ryan", "O'Connor", "Walsh", "MacDonald", "Campbell", "Stewart",
    "Anderson", "Miller", "Moore", "Harris", "Lewis", "Young", "King", "Scott", "Baker", "Adams",
    "Bennett", "Carter", "Mitchell", "Turner", "Phillips", "Parker", "Edwards", "Collins", "Morris", "Cook",
    "Fernandes", "Silva", "Costa", "Pereira", "Novak", "Kowalski", "Nowak", "Jensen", "Larsen", "Lindqvist",
)  # fmt: skip

EMAIL_DOMAIN = "helpdesk.test"  # RFC 2606: .test never resolves, so no mail leaves a test run

# Department -> job titles of the people in it (requesters).
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "Engineering": (
        "Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager",
        "QA Engineer", "Site Reliability Engineer", "Frontend Developer", "Data Engineer",
    ),
    "Product": ("Product Manager", "Senior Product Manager", "Product Designer", "UX Researcher"),
    "Sales": (
        "Account Executive", "Sales Development Representative", "Regional Sales Manager",
        "Sales Operations Analyst", "Solutions Consultant",
    ),
    "Marketing": (
        "Marketing Manager", "Content Strategist", "Digital Marketing Specialist", "Brand Designer",
        "Events Coordinator",
    ),
    "Customer Success": ("Customer Success Manager", "Support Specialist", "Implementation Consultant"),
    "Finance": ("Financial Analyst", "Accounts Payable Clerk", "Finance Manager", "Financial Controller"),
    "Legal": ("Legal Counsel", "Paralegal", "Compliance Officer"),
    "Operations": ("Operations Manager", "Business Analyst", "Project Manager", "Office Administrator"),
    "People": ("People Partner", "Learning & Development Lead", "Recruitment Coordinator"),
    "Procurement": ("Procurement Specialist", "Vendor Manager"),
    "Data & Analytics": ("Data Analyst", "Data Scientist", "BI Developer"),
    "Executive Office": ("Chief Operating Officer", "Executive Assistant", "Chief of Staff"),
}  # fmt: skip

DEPARTMENT_WEIGHTS: dict[str, float] = {
    "Engineering": 22, "Product": 7, "Sales": 16, "Marketing": 8, "Customer Success": 10, "Finance": 7,
    "Legal": 3, "Operations": 9, "People": 4, "Procurement": 3, "Data & Analytics": 6, "Executive Office": 2,
}  # fmt: skip

# Office -> (weight, phone prefix). The numbers are in ranges reserved for fiction
# (Ofcom's 020 7946 0xxx, 0161 496 0xxx and 07700 900xxx; 555-01xx in North America;
# 030 23125 xxx in Germany). Three digits follow each prefix (two for North America).
LOCATIONS: dict[str, tuple[float, str]] = {
    "London HQ": (38, "+44 20 7946 0"),
    "Manchester": (14, "+44 161 496 0"),
    "New York": (18, "+1 212 555 01"),
    "Austin": (10, "+1 512 555 01"),
    "Berlin": (8, "+49 30 23125 "),
    "Remote": (12, "+44 7700 900"),
}

FLOORS = ("Ground Floor", "Floor 1", "Floor 2", "Floor 3", "Floor 4", "Floor 5")

# Workspaces in id order (the ids are fixed in seed.demo).
WORKSPACES = (
    ("IT", "IT service desk: incidents, devices, accounts and access, software and the network.", True),
    ("HR", "People operations: onboarding, leave, payroll, benefits and employee letters.", False),
    ("Facilities", "Workplace services: buildings, desks and rooms, maintenance, badges and parking.", False),
)

# Agent groups in id order: (workspace name, group key, group name, description, agent job titles).
GROUPS = (
    ("IT", "service_desk", "Service Desk", "First line: triage, passwords, how-to questions.",
     ("Service Desk Analyst", "Senior Service Desk Analyst", "Service Desk Team Lead")),
    ("IT", "network", "Network & Infrastructure", "VPN, Wi-Fi, firewalls, servers and storage.",
     ("Network Engineer", "Systems Administrator", "Infrastructure Engineer")),
    ("IT", "endpoint", "Endpoint Support", "Laptops, desktops, phones, printers and peripherals.",
     ("Desktop Support Technician", "Endpoint Engineer", "Field Technician")),
    ("IT", "identity", "Identity & Access", "Accounts, MFA, single sign-on and access requests.",
     ("Identity & Access Analyst", "IAM Engineer")),
    ("IT", "applications", "Business Applications", "Microsoft 365, Salesforce, Jira and licences.",
     ("Applications Analyst", "Microsoft 365 Administrator", "Salesforce Administrator")),
    ("HR", "hr_operations", "HR Operations", "Onboarding, offboarding, contracts and letters.",
     ("HR Coordinator", "HR Operations Specialist", "HR Business Partner")),
    ("HR", "payroll", "Payroll & Benefits", "Payslips, bank details, pensions and benefits.",
     ("Payroll Specialist", "Benefits Administrator")),
    ("HR", "talent", "Talent & Learning", "Recruitment, training and leave policy questions.",
     ("Talent Acquisition Partner", "Learning Coordinator")),
    ("Facilities", "workplace", "Workplace Services", "Desks, rooms, moves, catering and post room.",
     ("Workplace Coordinator", "Office Manager")),
    ("Facilities", "maintenance", "Maintenance", "Heating, lighting, plumbing and repairs.",
     ("Facilities Technician", "Maintenance Engineer")),
    ("Facilities", "security", "Security & Reception", "Badges, visitors, parking and building access.",
     ("Security Officer", "Reception Lead")),
)  # fmt: skip

# The named accounts at fixed ids (demo logins first): (first, last, job title, group keys).
NAMED_AGENTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Dana", "Whitfield", "Head of IT Service Management", ("service_desk",)),
    ("Sam", "Okoro", "Service Desk Analyst", ("service_desk", "endpoint")),
    ("Priya", "Raman", "Director of People Operations", ("hr_operations",)),
)

# How the remaining agents spread over workspaces (a few cover two).
AGENT_WORKSPACE_WEIGHTS: dict[tuple[str, ...], float] = {
    ("IT",): 58,
    ("HR",): 18,
    ("Facilities",): 16,
    ("IT", "Facilities"): 5,
    ("IT", "HR"): 3,
}

DEMO_PEOPLE = {
    # The demo requester: a real-looking person behind requester@helpdesk.test.
    "requester": ("Robin", "Ellis", "Marketing Manager", "Marketing", "London HQ"),
}
