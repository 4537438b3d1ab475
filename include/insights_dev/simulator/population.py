"""Who lives in the world: companies, users, devices, and the special people that exercise quirks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from insights.workspace import Workspace
from insights_dev.simulator.config import WorldConfig

FIRST_NAMES = (
    "ana", "ben", "chloe", "david", "emma", "farid", "grace", "hugo", "ines", "jonas", "kira", "liam",
    "maria", "nils", "olga", "paul", "quinn", "rosa", "sam", "tara", "umar", "vera", "wen", "yuki", "zoe",
)  # fmt: skip
LAST_NAMES = (
    "adams", "bauer", "costa", "dubois", "evans", "fischer", "garcia", "hansen", "ito", "jensen", "khan",
    "larsen", "moreau", "novak", "okafor", "petrov", "quist", "rossi", "silva", "tanaka", "weber", "young",
)  # fmt: skip
COMPANY_WORDS = (
    "northwind", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne", "cyberdyne",
    "soylent", "tyrell", "wonka", "acmecorp", "massive", "oscorp", "aperture", "blackmesa", "gringotts",
    "monarch", "pied", "dunder", "prestige", "sterling", "virtucon", "zorg", "nakatomi", "gekko", "lumon",
)  # fmt: skip
TLDS = ("com", "io", "co", "de", "fr", "net")
COUNTRIES = (
    ("United States", 0.35), ("Germany", 0.12), ("France", 0.1), ("United Kingdom", 0.12),
    ("Netherlands", 0.06), ("Canada", 0.07), ("Spain", 0.06), ("Japan", 0.05), ("Brazil", 0.07),
)  # fmt: skip
PLATFORMS = (("Web", 0.6), ("iOS", 0.22), ("Android", 0.18))
OS_BY_PLATFORM = {"Web": ("Chrome", "Firefox", "Safari", "Edge"), "iOS": ("ios",), "Android": ("android",)}
PLANS = (("free", 0.5), ("pro", 0.35), ("enterprise", 0.15))


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def new_uuid(rng: random.Random) -> str:
    """A random version-4 UUID string drawn from `rng` (deterministic, unlike uuid.uuid4)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


@dataclass
class Device:
    device_id: str
    platform: str
    os_name: str
    amplitude_id: int
    first_day: date  # first day the device is used
    anonymous_until: date | None = None  # events before identification carry no user_id


@dataclass
class User:
    index: int
    user_id: str
    email: str
    plan: str
    country: str
    company: str
    signup_day: date  # before the window for existing users
    is_new: bool  # signs up inside the window (anonymous browsing first)
    churn_day: date | None
    engagement: float  # weekday probability of being active
    amplitude_id: int
    zendesk_id: int
    devices: list[Device] = field(default_factory=list)
    kind: str = "customer"  # customer | internal | lookalike | test | decoy_test
    test_flag_every: int = 0  # every n-th identified event carries is_test (true; the string "true" for the decoy)


@dataclass
class Population:
    users: list[User]
    visitors: list[Device]  # devices never identified
    companies: dict[str, str]  # domain -> plan (users of a company share its plan)


def _mixed_case(rng: random.Random, text: str) -> str:
    """`ACME-Insights.com`-like spelling of a domain: same domain, other letter case."""
    labels = text.split(".")

    def shout_first(label: str) -> str:  # acme-insights -> ACME-Insights
        head, *rest = label.split("-")
        return "-".join([head.upper(), *(part.capitalize() for part in rest)])

    styles = [shout_first, str.capitalize, str.upper]
    spelled = ".".join([rng.choice(styles)(label) for label in labels[:-1]] + [labels[-1]])
    return spelled if spelled != text else text.upper()


def lookalike_domains(internal: str) -> list[str]:
    """Domains that contain or resemble the internal one but must not be treated as internal."""
    return [internal[:-1] if internal.endswith("m") else internal + "x", "not" + internal, internal + ".evil.io"]


def build_population(config: WorldConfig, workspace: Workspace, rng: random.Random) -> Population:
    first, last = config.start, config.start + timedelta(days=config.days - 1)
    n_companies = max(3, config.users // 8)
    companies: dict[str, str] = {}
    while len(companies) < n_companies:
        word = rng.choice(COMPANY_WORDS)
        suffix = rng.choice(("", "labs", "hq", "app", "systems", str(rng.randint(2, 99))))
        companies[f"{word}{suffix}.{rng.choice(TLDS)}"] = pick(rng, PLANS)
    domains = list(companies)
    internal_domains = list(workspace.settings.get("internal_email_domains") or ["acme-insights.com"])

    n_internal = max(2, round(config.users * config.internal_user_share))
    n_test = max(2, round(config.users * config.test_user_share))
    kinds = (
        ["internal"] * n_internal
        + ["lookalike"] * 3  # one per look-alike domain of the first internal domain
        + ["test"] * n_test
        + ["decoy_test"]
    )
    kinds += ["customer"] * max(0, config.users - len(kinds))
    rng.shuffle(kinds)

    users: list[User] = []
    used_emails: set[str] = set()
    lookalikes = lookalike_domains(internal_domains[0])
    for index, kind in enumerate(kinds):
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if kind == "internal":
            domain = _mixed_case(rng, internal_domains[index % len(internal_domains)])
            local = first_name.capitalize() if rng.random() < 0.5 else f"{first_name}.{last_name}"
            plan = "enterprise"
        elif kind == "lookalike":
            domain = lookalikes[sum(1 for u in users if u.kind == "lookalike") % len(lookalikes)]
            local, plan = f"{first_name}.{last_name}", pick(rng, PLANS)
        else:
            domain = rng.choice(domains)
            local, plan = f"{first_name}.{last_name}", companies[domain]
        email = f"{local}@{domain}"
        while email.lower() in used_emails:
            local += str(rng.randint(0, 9))
            email = f"{local}@{domain}"
        used_emails.add(email.lower())

        is_new = kind == "customer" and rng.random() >= config.existing_user_share
        if is_new:
            # Growth: later days slightly more likely (triangular towards the end).
            offset = min(config.days - 1, int(rng.triangular(0, config.days, config.days * 0.7)))
            signup_day = first + timedelta(days=offset)
        else:
            signup_day = first - timedelta(days=rng.randint(1, 400))
        churn_day = None
        if kind == "customer" and rng.random() < config.churn_share:
            start = max(first, signup_day) + timedelta(days=1)
            if start <= last:
                churn_day = start + timedelta(days=rng.randint(0, max(0, (last - start).days)))
        engagement = rng.choice((0.6, 0.35, 0.35, 0.15, 0.15, 0.06))
        if kind != "customer":
            engagement = max(engagement, 0.45)  # they do show up, so the exclusion rules matter
        user = User(
            index=index,
            user_id=f"usr_{index + 1:06d}",
            email=email,
            plan=plan,
            country=pick(rng, COUNTRIES),
            company=domain.lower(),
            signup_day=signup_day,
            is_new=is_new,
            churn_day=churn_day,
            engagement=engagement,
            amplitude_id=100_000_000 + index,
            zendesk_id=36_000_000_000 + index,
            kind=kind,
            test_flag_every={"test": 3, "decoy_test": 2}.get(kind, 0),
        )
        n_devices = 2 if rng.random() < config.second_device_share else 1
        for d in range(n_devices):
            platform = "Web" if d == 0 and rng.random() < 0.7 else pick(rng, PLATFORMS)
            device_first = max(first, signup_day)
            if is_new and d == 0:
                # Browses anonymously on this device first, identified by signed_up on signup day.
                delay = rng.randint(0, config.max_identification_delay_days)
                device_first = max(first, signup_day - timedelta(days=delay))
            elif d == 1:
                device_first = device_first + timedelta(days=rng.randint(0, max(0, config.days // 3)))
            user.devices.append(
                Device(
                    device_id=new_uuid(rng),
                    platform=platform,
                    os_name=rng.choice(OS_BY_PLATFORM[platform]),
                    amplitude_id=user.amplitude_id,
                    first_day=device_first,
                    anonymous_until=signup_day if (is_new and d == 0) else None,
                )
            )
        users.append(user)

    visitors = []
    for v in range(max(2, round(config.users * config.anonymous_visitor_share))):
        platform = pick(rng, PLATFORMS)
        visitors.append(
            Device(
                device_id=new_uuid(rng),
                platform=platform,
                os_name=rng.choice(OS_BY_PLATFORM[platform]),
                amplitude_id=900_000_000 + v,
                first_day=first + timedelta(days=rng.randint(0, config.days - 1)),
            )
        )
    return Population(users=users, visitors=visitors, companies=companies)
