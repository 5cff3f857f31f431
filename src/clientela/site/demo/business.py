"""Words for organizations, jobs and the sales vocabulary of the demo data."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Legal forms by country: (short form after the name, weight).
LEGAL_FORMS: dict[str, tuple[tuple[str, int], ...]] = {
    "HU": (("Kft.", 70), ("Zrt.", 12), ("Bt.", 15), ("Nyrt.", 3)),
    "TR": (("Ltd. Şti.", 70), ("A.Ş.", 30)),
    "RU": (("ООО", 80), ("АО", 15), ("ПАО", 5)),
    "PL": (("sp. z o.o.", 75), ("S.A.", 15), ("sp.j.", 10)),
    "RO": (("S.R.L.", 85), ("S.A.", 15)),
    "DE": (("GmbH", 75), ("AG", 10), ("KG", 15)),
    "AT": (("GmbH", 85), ("AG", 15)),
    "CZ": (("s.r.o.", 85), ("a.s.", 15)),
    "SK": (("s.r.o.", 85), ("a.s.", 15)),
    "GB": (("Ltd", 85), ("PLC", 15)),
}

# Words that local company names are built from (places, rivers, landscapes...).
STEMS: dict[str, tuple[str, ...]] = {
    "HU": _words(
        "Duna Tisza Balaton Mátra Pannon Hungaro Buda Alföld Bakony Zemplén Hortobágy Tokaj Rába Dráva "
        "Kőrös Bükk Pilis Vértes Mecsek Sió Szamos Maros Hajdú Kárpát Turul Csillag Napfény Tölgy Hársfa "
        "Gránit"
    ),
    "TR": _words(
        "Anadolu Marmara Ege Akdeniz Karadeniz Toros Boğaziçi Kapadokya Efes Truva Yıldız Güneş Deniz Ay "
        "Kartal Aslan Çınar Zeytin Lale İpek Mavi Altın Doruk Ufuk Birlik Ata Selçuk Fırat Dicle Uludağ"
    ),
    "RU": _words(
        "Волга Урал Сибирь Байкал Нева Дон Ока Кама Амур Енисей Альфа Вектор Гранит Север Восток Заря "
        "Радуга Сокол Орион Меридиан Спектр Прогресс Импульс Кристалл Стандарт Горизонт Таймыр Алтай"
    ),
    "PL": _words(
        "Wisła Odra Warta Tatry Mazowsze Pomorze Bałtyk Karpaty Bieszczady Sudety Kujawy Podhale Orzeł "
        "Sokół Dąb Lipa Bursztyn Jantar Polmex Pol Mazur Krak Gród Wawel Zorza Hetman"
    ),
    "RO": _words(
        "Carpați Dunărea Mureș Olt Siret Prut Bucegi Transilvania Dobrogea Banat Moldova Oltenia Carpatica "
        "Delta Vulturul Stejarul Brădet Romstar Romtrans Dacia Traian Decebal Sarmis Aurora Meridian"
    ),
    "DE": _words("Rhein Elbe Main Alpen Nord Süd Hansa Spree Isar Taunus Harz Eifel"),
    "AT": _words("Donau Alpen Tirol Wachau Salzach Enns Mur Kärnten"),
    "CZ": _words("Vltava Morava Labe Šumava Krkonoše Bohemia Praga Beskyd"),
    "SK": _words("Tatra Váh Hron Dunaj Fatra Slovan"),
    "GB": _words("Thames Pennine Cotswold Severn Albion Mercia Wessex Kestrel Oakwood Harbour"),
}

# Industry -> words that fit a company name in that trade (international forms CEE companies use).
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Manufacturing": ("Metal", "Industries", "Works", "Tech", "Machinery"),
    "Wholesale": ("Trade", "Impex", "Trading", "Distribution"),
    "Retail": ("Market", "Shop", "Store", "Retail"),
    "Logistics": ("Trans", "Logistics", "Cargo", "Express", "Spedition"),
    "Construction": ("Bau", "Build", "Construct", "Invest"),
    "Software": ("Soft", "Software", "Systems", "Digital", "Labs"),
    "Telecommunications": ("Telecom", "Net", "Connect", "Com"),
    "Banking": ("Bank", "Capital", "Finance"),
    "Insurance": ("Insurance", "Assurance", "Protect"),
    "Healthcare": ("Med", "Medical", "Clinic", "Health"),
    "Pharmaceuticals": ("Pharma", "Farm", "Bio"),
    "Energy": ("Energy", "Power", "Solar", "Energo"),
    "Agriculture": ("Agro", "Farm", "Seed", "Agrar"),
    "Food & beverage": ("Food", "Foods", "Dairy", "Bakery", "Drinks"),
    "Hospitality": ("Hotel", "Travel", "Tours", "Resort"),
    "Automotive": ("Auto", "Motors", "Car", "Parts"),
    "Education": ("Academy", "Education", "Training"),
    "Media": ("Media", "Press", "Studio"),
    "Consulting": ("Consulting", "Partners", "Advisory", "Group"),
    "Real estate": ("Property", "Real Estate", "Development"),
    "Textiles": ("Textil", "Fashion", "Tex"),
    "Chemicals": ("Chem", "Chemicals", "Plast"),
}
INDUSTRY_WEIGHTS: dict[str, int] = {
    "Manufacturing": 14, "Wholesale": 12, "Retail": 9, "Logistics": 7, "Construction": 7, "Software": 8,
    "Telecommunications": 2, "Banking": 2, "Insurance": 2, "Healthcare": 4, "Pharmaceuticals": 2, "Energy": 3,
    "Agriculture": 5, "Food & beverage": 6, "Hospitality": 4, "Automotive": 4, "Education": 2, "Media": 2,
    "Consulting": 6, "Real estate": 3, "Textiles": 2, "Chemicals": 2,
}  # fmt: skip

# (organization size value, weight); sizes are parties.models.OrganizationSize values.
SIZE_WEIGHTS: tuple[tuple[str, int], ...] = (("1-9", 30), ("10-49", 35), ("50-249", 22), ("250-999", 9), ("1000+", 4))

JOB_TITLES: tuple[tuple[str, int], ...] = (
    ("Chief Executive Officer", 4), ("Managing Director", 5), ("Chief Financial Officer", 3),
    ("Head of Purchasing", 6), ("Purchasing Manager", 8), ("Buyer", 6), ("Sales Director", 3),
    ("Marketing Manager", 5), ("IT Manager", 5), ("Operations Manager", 5), ("Office Manager", 6),
    ("Accountant", 6), ("Project Manager", 6), ("Plant Manager", 3), ("HR Manager", 3),
    ("Logistics Coordinator", 4), ("Quality Manager", 3), ("Engineer", 6), ("Assistant", 5),
    ("Owner", 4),
)  # fmt: skip

# A contact's role at an organization (affiliation role).
AFFILIATION_ROLES: tuple[tuple[str, int], ...] = (
    ("Decision maker", 20), ("Buyer", 25), ("Influencer", 15), ("User", 20), ("Billing contact", 10),
    ("Technical contact", 10),
)  # fmt: skip

OCCUPATIONS: tuple[str, ...] = (
    "Engineer", "Teacher", "Accountant", "Physician", "Nurse", "Lawyer", "Architect", "Pharmacist",
    "Software developer", "Electrician", "Shop owner", "Farmer", "Civil servant", "Student", "Retired",
    "Designer", "Economist", "Consultant", "Driver", "Chef", "Sales representative", "Researcher", "Dentist",
    "Journalist",
)  # fmt: skip

SOURCES: tuple[tuple[str, int], ...] = (
    ("Website", 25), ("Referral", 15), ("Trade fair", 12), ("Cold call", 8), ("E-mail campaign", 10),
    ("Partner", 8), ("LinkedIn", 7), ("Webinar", 5), ("Walk-in", 4), ("Advertisement", 6),
)  # fmt: skip

TAGS: tuple[tuple[str, int], ...] = (
    ("Newsletter", 30), ("VIP", 5), ("Trade fair 2025", 10), ("Webinar", 8), ("Reseller", 5),
    ("Partner", 5), ("Upsell", 8), ("Churn risk", 6), ("Do not call", 3), ("Holiday card", 10),
    ("Decision maker", 8), ("Early adopter", 4), ("Price sensitive", 6), ("Public tender", 3),
)  # fmt: skip

CUSTOMER_CATEGORIES: tuple[tuple[str, int], ...] = (("Key account", 10), ("Standard", 60), ("Occasional", 30))

NOTES: tuple[str, ...] = (
    "Met at the {fair} in {year}; asked for a product catalogue.",
    "Prefers calls before 10 am.",
    "Interested in a framework agreement for {year}.",
    "Budget decisions are made in {month}.",
    "Asked for a quote on the premium service package.",
    "Referred by a long-standing customer.",
    "Send invoices by e-mail only.",
    "Compares us with two competitors; price matters most.",
    "Happy with delivery times; wants a dedicated account manager.",
    "Visited our stand at the {fair}.",
    "Needs documents in the local language.",
    "Follow up after the summer holidays.",
)
FAIRS: tuple[str, ...] = (
    "Budapest Industry Days",
    "Istanbul Trade Expo",
    "Poznań International Fair",
    "Bucharest TIB",
    "Moscow Business Forum",
    "Vienna Partner Day",
)
MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip

# Custom fields the demo defines: (entity, key, label, type, choices).
CUSTOM_FIELDS: tuple[tuple[str, str, str, str, list[str]], ...] = (
    ("organization", "industry_segment", "Industry segment", "choice",
     ["Enterprise", "Mid-market", "Small business", "Public sector", "Non-profit"]),
    ("organization", "annual_budget", "Annual budget (EUR)", "number", []),
    ("organization", "nda_signed", "NDA signed", "boolean", []),
    ("contact", "interests", "Interests", "multi_choice",
     ["Product news", "Events", "Special offers", "Industry insights", "Training"]),
    ("contact", "last_event", "Last event attended", "date", []),
)  # fmt: skip

# Russian company names take Russian trade words ("Волга-Транс", "Уралстрой").
RU_INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "Manufacturing": ("Пром", "Маш", "Завод"), "Wholesale": ("Торг", "Снаб", "Трейд"), "Retail": ("Маркет", "Торг"),
    "Logistics": ("Транс", "Логистик", "Экспресс"), "Construction": ("Строй", "Монтаж", "Девелопмент"),
    "Software": ("Софт", "Системы", "Информ"), "Telecommunications": ("Телеком", "Связь"),
    "Banking": ("Банк", "Капитал"),
    "Insurance": ("Страх", "Гарант"), "Healthcare": ("Мед", "Клиника"), "Pharmaceuticals": ("Фарм", "Био"),
    "Energy": ("Энерго", "Нефть"), "Agriculture": ("Агро", "Зерно"), "Food & beverage": ("Продукт", "Молоко"),
    "Hospitality": ("Отель", "Тур"), "Automotive": ("Авто", "Моторс"), "Education": ("Академия", "Учебный центр"),
    "Media": ("Медиа", "Пресс"), "Consulting": ("Консалт", "Групп"), "Real estate": ("Недвижимость", "Инвест"),
    "Textiles": ("Текстиль",), "Chemicals": ("Хим", "Пласт"),
}  # fmt: skip
