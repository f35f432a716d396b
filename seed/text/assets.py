"""Asset models by type: what the fleet is made of, and what each model's attributes look like."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AssetModel:
    asset_type: str  # a domain.assets.models.AssetType value
    name: str
    vendor: str
    tag_prefix: str  # the asset tag in the name: "MacBook Pro 14 (M3) - LT-01234"
    serial_style: str  # "apple", "dell", "lenovo", "generic"
    cost: float
    workspace: str
    weight: float  # share of the fleet
    specs: tuple[tuple[str, str | int], ...] = ()  # fixed custom attributes of the model


ASSET_MODELS = (
    AssetModel("laptop", "MacBook Pro 14 (M3)", "Apple", "LT", "apple", 2149.0, "IT", 140,
               (("cpu", "Apple M3 Pro"), ("ram_gb", 18), ("storage_gb", 512), ("os", "macOS 14 Sonoma"))),
    AssetModel("laptop", "MacBook Air 13 (M2)", "Apple", "LT", "apple", 1199.0, "IT", 70,
               (("cpu", "Apple M2"), ("ram_gb", 16), ("storage_gb", 256), ("os", "macOS 14 Sonoma"))),
    AssetModel("laptop", "Dell Latitude 7450", "Dell", "LT", "dell", 1499.0, "IT", 150,
               (("cpu", "Intel Core Ultra 7 165U"), ("ram_gb", 16), ("storage_gb", 512),
                ("os", "Windows 11 Enterprise 23H2"))),
    AssetModel("laptop", "Lenovo ThinkPad X1 Carbon Gen 12", "Lenovo", "LT", "lenovo", 1899.0, "IT", 80,
               (("cpu", "Intel Core Ultra 7 155U"), ("ram_gb", 32), ("storage_gb", 1024),
                ("os", "Windows 11 Enterprise 23H2"))),
    AssetModel("laptop", "HP EliteBook 840 G10", "HP", "LT", "generic", 1349.0, "IT", 50,
               (("cpu", "Intel Core i5-1345U"), ("ram_gb", 16), ("storage_gb", 512),
                ("os", "Windows 11 Enterprise 22H2"))),
    AssetModel("desktop", "Dell OptiPlex 7010 Micro", "Dell", "DT", "dell", 899.0, "IT", 40,
               (("cpu", "Intel Core i7-13700T"), ("ram_gb", 16), ("storage_gb", 512),
                ("os", "Windows 11 Enterprise 23H2"))),
    AssetModel("desktop", "Apple iMac 24 (M3)", "Apple", "DT", "apple", 1699.0, "IT", 12,
               (("cpu", "Apple M3"), ("ram_gb", 16), ("storage_gb", 512), ("os", "macOS 14 Sonoma"))),
    AssetModel("desktop", "HP Elite Mini 800 G9 (reception kiosk)", "HP", "DT",
               "generic", 749.0, "Facilities", 8,
               (("cpu", "Intel Core i5-12500T"), ("ram_gb", 8), ("storage_gb", 256),
                ("os", "Windows 11 IoT Enterprise"))),
    AssetModel("monitor", "Dell UltraSharp U2724D", "Dell", "MN", "dell", 389.0, "IT", 160,
               (("size_inches", 27), ("resolution", "2560x1440"))),
    AssetModel("monitor", "LG 27UP850-W", "LG", "MN", "generic", 429.0, "IT", 60,
               (("size_inches", 27), ("resolution", "3840x2160"))),
    AssetModel("monitor", "Samsung 55\" meeting room display", "Samsung", "MN",
               "generic", 1290.0, "Facilities",
               14, (("size_inches", 55), ("resolution", "3840x2160"))),
    AssetModel("mobile_phone", "iPhone 15", "Apple", "PH", "apple", 799.0, "IT", 70,
               (("os", "iOS 17"), ("storage_gb", 128))),
    AssetModel("mobile_phone", "iPhone 14", "Apple", "PH", "apple", 699.0, "IT", 40,
               (("os", "iOS 17"), ("storage_gb", 128))),
    AssetModel("mobile_phone", "Samsung Galaxy S24", "Samsung", "PH", "generic", 799.0, "IT", 30,
               (("os", "Android 14"), ("storage_gb", 256))),
    AssetModel("tablet", "iPad Air (5th generation)", "Apple", "TB", "apple", 599.0, "IT", 20,
               (("os", "iPadOS 17"), ("storage_gb", 64))),
    AssetModel("tablet", "Logitech Tap room scheduler", "Logitech", "TB", "generic", 749.0, "Facilities", 22,
               (("os", "Android 10 (appliance)"),)),
    AssetModel("server", "Dell PowerEdge R760", "Dell", "SV", "dell", 11900.0, "IT", 10,
               (("cpu", "2x Intel Xeon Gold 6430"), ("ram_gb", 512), ("os", "VMware ESXi 8.0"))),
    AssetModel("server", "HPE ProLiant DL380 Gen11", "HPE", "SV", "generic", 10400.0, "IT", 6,
               (("cpu", "2x Intel Xeon Silver 4416+"), ("ram_gb", 256), ("os", "Ubuntu 22.04 LTS"))),
    AssetModel("printer", "HP LaserJet Enterprise M611dn", "HP", "PR", "generic", 899.0, "IT", 12,
               (("color", "mono"),)),
    AssetModel("printer", "Canon imageRUNNER ADVANCE DX C5840i", "Canon", "PR",
               "generic", 6400.0, "Facilities",
               10, (("color", "colour"),)),
    AssetModel("network_device", "Cisco Catalyst 9300 48-port switch", "Cisco", "NW",
               "generic", 7800.0, "IT", 14,
               (("firmware", "IOS XE 17.9.4"),)),
    AssetModel("network_device", "Cisco Meraki MR46 access point", "Cisco", "NW", "generic", 1150.0, "IT", 30,
               (("firmware", "MR 30.6"),)),
    AssetModel("network_device", "Fortinet FortiGate 100F firewall", "Fortinet", "NW",
               "generic", 4200.0, "IT", 4,
               (("firmware", "FortiOS 7.4.3"),)),
    AssetModel("network_device", "HID Signo badge reader", "HID", "NW", "generic", 420.0, "Facilities", 16,
               (("firmware", "2.3.1"),)),
    AssetModel("software_license", "Microsoft 365 E3", "Microsoft", "SW", "generic", 36.0, "IT", 4,
               (("billing", "monthly per user"),)),
    AssetModel("software_license", "Adobe Acrobat Pro (team)", "Adobe", "SW", "generic", 239.0, "IT", 3,
               (("billing", "annual per user"),)),
    AssetModel("software_license", "Atlassian Jira Software Cloud", "Atlassian", "SW",
               "generic", 8.6, "IT", 2,
               (("billing", "monthly per user"),)),
    AssetModel("software_license", "Zoom Workplace Business", "Zoom", "SW", "generic", 21.99, "IT", 2,
               (("billing", "monthly per user"),)),
    AssetModel("software_license", "Workday HCM", "Workday", "SW", "generic", 120.0, "HR", 2,
               (("billing", "annual per employee"),)),
    AssetModel("software_license", "Greenhouse Recruiting", "Greenhouse", "SW", "generic", 9800.0, "HR", 2,
               (("billing", "annual"),)),
    AssetModel("software_license", "Condeco desk booking", "Condeco", "SW",
               "generic", 5400.0, "Facilities", 2,
               (("billing", "annual"),)),
)  # fmt: skip

# Types that are handed to a person when in use.
PERSONAL_TYPES = frozenset({"laptop", "desktop", "monitor", "mobile_phone", "tablet"})

# Per type: (state -> weight). Infrastructure is rarely in stock; software is never "in repair".
STATE_WEIGHTS: dict[str, dict[str, float]] = {
    "personal": {"in_use": 72, "in_stock": 14, "in_repair": 4, "missing": 2, "retired": 8},
    "infrastructure": {"in_use": 90, "in_stock": 4, "in_repair": 3, "retired": 3},
    "software_license": {"in_use": 92, "retired": 8},
}

DESCRIPTIONS = {
    "in_use": "Deployed and in daily use.",
    "in_stock": "In the IT store room, imaged and ready to deploy.",
    "in_repair": "With the vendor for warranty repair.",
    "missing": "Reported lost; remote wipe issued and insurance claim open.",
    "retired": "Retired at end of life; data securely erased and certificate of destruction on file.",
}
