"""The ShopExpress demo store: deterministic customers, products, orders and payments, dated relative to now.

Every server seeds its own tables from this one generator, so the domains agree on the same story without
importing each other. The flagship order ORD-78432 (ProMax Audio Headphones, $89.99, delivered 14 days ago
to jordan.lee@example.com) is always present.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

__all__ = [
    "FLAGSHIP_EMAIL",
    "FLAGSHIP_ORDER_ID",
    "DemoCustomer",
    "DemoItem",
    "DemoOrder",
    "DemoProduct",
    "DemoStore",
    "OrderStatus",
    "build_demo_store",
]

OrderStatus = Literal["pending", "processing", "shipped", "delivered", "cancelled", "returned"]

FLAGSHIP_ORDER_ID = "ORD-78432"
FLAGSHIP_EMAIL = "jordan.lee@example.com"

_PRODUCTS: tuple[tuple[str, str, str, int], ...] = (
    ("PMX-AUD-01", "ProMax Audio Headphones", "audio", 8999),
    ("PMX-AUD-02", "ProMax Wireless Earbuds", "audio", 5999),
    ("PMX-SPK-01", "ProMax Mini Speaker", "audio", 3499),
    ("VLT-CHG-01", "Volt 65W USB-C Charger", "accessories", 2999),
    ("VLT-CBL-01", "Volt Braided USB-C Cable (2 m)", "accessories", 1299),
    ("VLT-PWR-01", "Volt 20,000 mAh Power Bank", "accessories", 4599),
    ("NOV-WAT-01", "Nova Fitness Watch", "wearables", 14999),
    ("NOV-BND-01", "Nova Sleep Band", "wearables", 7999),
    ("HLX-KBD-01", "Helix Mechanical Keyboard", "computing", 10999),
    ("HLX-MSE-01", "Helix Ergonomic Mouse", "computing", 4999),
    ("HLX-HUB-01", "Helix 7-in-1 USB-C Hub", "computing", 5499),
    ("HLX-MON-01", "Helix 27-inch 4K Monitor", "computing", 38999),
    ("CAS-LAP-01", "Castle 15-inch Laptop Sleeve", "bags", 2499),
    ("CAS-BAG-01", "Castle Commuter Backpack", "bags", 8999),
    ("LUM-LMP-01", "Lumen Smart Desk Lamp", "home", 6999),
    ("LUM-BLB-01", "Lumen Smart Bulb (4-pack)", "home", 3999),
    ("LUM-CAM-01", "Lumen Indoor Security Camera", "home", 7499),
    ("BRW-KET-01", "Brewline Electric Kettle", "kitchen", 5999),
    ("BRW-GRN-01", "Brewline Burr Coffee Grinder", "kitchen", 12999),
    ("BRW-ESP-01", "Brewline Espresso Machine", "kitchen", 64999),
    ("TRK-SCT-01", "Trek Electric Scooter", "mobility", 79999),
    ("TRK-HLM-01", "Trek Urban Helmet", "mobility", 5999),
    ("SNP-CAM-01", "Snapshot Action Camera", "cameras", 24999),
    ("SNP-TRI-01", "Snapshot Travel Tripod", "cameras", 3999),
)

_FIRST = (
    "Avery",
    "Blake",
    "Casey",
    "Dana",
    "Elliot",
    "Frankie",
    "Gray",
    "Harper",
    "Indy",
    "Jules",
    "Kai",
    "Logan",
    "Morgan",
    "Noa",
    "Oakley",
    "Parker",
    "Quinn",
    "Riley",
    "Sage",
    "Taylor",
    "Uma",
    "Val",
    "Wren",
    "Yael",
)
_LAST = (
    "Martin",
    "Okafor",
    "Nguyen",
    "Schmidt",
    "Rossi",
    "Dubois",
    "Silva",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Moreau",
    "Novak",
    "Larsen",
    "Costa",
    "Fischer",
    "Patel",
    "Garcia",
    "Jensen",
    "Murphy",
    "Ivanova",
)
_STREETS = ("Maple Avenue", "Harbour Road", "Station Street", "Elm Court", "Rue des Lilas", "Mill Lane", "Park Row")
_CITIES = (
    ("Springfield", "IL", "US"),
    ("Portland", "OR", "US"),
    ("Austin", "TX", "US"),
    ("Lyon", "", "FR"),
    ("Toronto", "ON", "CA"),
    ("Leeds", "", "GB"),
    ("Denver", "CO", "US"),
)
_CARDS = ("Visa", "Mastercard", "American Express", "PayPal")
_CARRIERS = ("UPS", "FedEx", "USPS", "DHL")
_STATUS_WEIGHTS: tuple[tuple[OrderStatus, int], ...] = (
    ("pending", 10),
    ("processing", 12),
    ("shipped", 18),
    ("delivered", 45),
    ("cancelled", 8),
    ("returned", 7),
)


@dataclass(frozen=True)
class DemoProduct:
    """A catalogue product; prices are integer cents, tax included."""

    sku: str
    name: str
    category: str
    price_cents: int


@dataclass(frozen=True)
class DemoCustomer:
    """A ShopExpress customer."""

    customer_id: str
    email: str
    name: str
    phone: str
    address: str
    created_at: datetime


@dataclass(frozen=True)
class DemoItem:
    """One order line."""

    sku: str
    name: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class DemoOrder:
    """An order with its fulfilment dates and the payment that settled it."""

    order_id: str
    customer_id: str
    customer_email: str
    status: OrderStatus
    items: tuple[DemoItem, ...]
    subtotal_cents: int
    shipping_cents: int
    total_cents: int
    currency: str
    placed_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    returned_at: datetime | None
    carrier: str | None
    tracking_number: str | None
    shipping_address: str
    payment_method: str
    item_used: bool
    """Whether the product was activated/registered after delivery (used, so no change-of-mind return)."""


@dataclass(frozen=True)
class DemoStore:
    """The whole demo data set."""

    products: tuple[DemoProduct, ...]
    customers: tuple[DemoCustomer, ...]
    orders: tuple[DemoOrder, ...]


def build_demo_store(now: datetime, *, customers: int = 60, orders: int = 240, seed: int = 78432) -> DemoStore:
    """Generate the demo store deterministically: the same `now` and `seed` always give the same data."""
    rng = random.Random(seed)
    products = tuple(DemoProduct(*p) for p in _PRODUCTS)
    people = _customers(rng, now, customers)
    flagship = _flagship_order(now, people[0], products[0])
    taken = {flagship.order_id}
    generated: list[DemoOrder] = [flagship]
    while len(generated) < orders:
        order_id = f"ORD-{rng.randrange(10000, 99999)}"
        if order_id in taken:
            continue
        taken.add(order_id)
        generated.append(_order(rng, now, order_id, rng.choice(people), products))
    generated.sort(key=lambda o: o.order_id)
    return DemoStore(products=products, customers=people, orders=tuple(generated))


def _customers(rng: random.Random, now: datetime, count: int) -> tuple[DemoCustomer, ...]:
    out = [
        DemoCustomer(
            "CUS-0001",
            "jordan.lee@example.com",
            "Jordan Lee",
            "+1 312 555 0148",
            "42 Maple Avenue, Springfield, IL, US",
            now - timedelta(days=400),
        )
    ]
    seen = {out[0].email}
    while len(out) < count:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first}.{last}@example.com".lower()
        if email in seen:
            email = f"{first}.{last}{len(out)}@example.com".lower()
        seen.add(email)
        city, region, country = rng.choice(_CITIES)
        where = ", ".join(part for part in (city, region, country) if part)
        out.append(
            DemoCustomer(
                customer_id=f"CUS-{len(out) + 1:04d}",
                email=email,
                name=f"{first} {last}",
                phone=f"+1 555 01{rng.randrange(10, 99)} {rng.randrange(1000, 9999)}",
                address=f"{rng.randrange(1, 300)} {rng.choice(_STREETS)}, {where}",
                created_at=now - timedelta(days=rng.randrange(30, 900), minutes=rng.randrange(1440)),
            )
        )
    return tuple(out)


def _flagship_order(now: datetime, jordan: DemoCustomer, headphones: DemoProduct) -> DemoOrder:
    placed = now - timedelta(days=17, hours=3)
    return DemoOrder(
        order_id=FLAGSHIP_ORDER_ID,
        customer_id=jordan.customer_id,
        customer_email=jordan.email,
        status="delivered",
        items=(DemoItem(headphones.sku, headphones.name, 1, headphones.price_cents),),
        subtotal_cents=headphones.price_cents,
        shipping_cents=0,
        total_cents=headphones.price_cents,
        currency="USD",
        placed_at=placed,
        shipped_at=placed + timedelta(days=1),
        delivered_at=now - timedelta(days=14),
        cancelled_at=None,
        returned_at=None,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        shipping_address=jordan.address,
        payment_method="Visa ending 4242",
        item_used=True,
    )


def _order(
    rng: random.Random, now: datetime, order_id: str, who: DemoCustomer, products: tuple[DemoProduct, ...]
) -> DemoOrder:
    statuses: list[OrderStatus] = [s for s, _ in _STATUS_WEIGHTS]
    status = rng.choices(statuses, weights=[w for _, w in _STATUS_WEIGHTS])[0]
    lines = rng.sample(products, k=rng.choice((1, 1, 1, 2, 2, 3)))
    items = tuple(DemoItem(p.sku, p.name, rng.choice((1, 1, 1, 2)), p.price_cents) for p in lines)
    subtotal = sum(i.quantity * i.unit_price_cents for i in items)
    shipping = 0 if subtotal >= 3500 else 499
    age_days = {
        "pending": (0, 2),
        "processing": (1, 4),
        "shipped": (2, 8),
        "delivered": (4, 120),
        "cancelled": (1, 60),
        "returned": (20, 120),
    }[status]
    placed = now - timedelta(days=rng.randrange(*age_days), minutes=rng.randrange(1440))
    shipped = delivered = cancelled = returned = None
    if status in ("shipped", "delivered", "returned"):
        shipped = placed + timedelta(days=1, hours=rng.randrange(2, 20))
    if status in ("delivered", "returned"):
        delivered = min(shipped + timedelta(days=rng.randrange(2, 5)), now) if shipped else None
    if status == "returned" and delivered:
        returned = min(delivered + timedelta(days=rng.randrange(3, 15)), now)
    if status == "cancelled":
        cancelled = placed + timedelta(hours=rng.randrange(1, 30))
    has_tracking = shipped is not None
    card = rng.choice(_CARDS)
    return DemoOrder(
        order_id=order_id,
        customer_id=who.customer_id,
        customer_email=who.email,
        status=status,
        items=items,
        subtotal_cents=subtotal,
        shipping_cents=shipping,
        total_cents=subtotal + shipping,
        currency="USD",
        placed_at=placed,
        shipped_at=shipped,
        delivered_at=delivered,
        cancelled_at=cancelled,
        returned_at=returned,
        carrier=rng.choice(_CARRIERS) if has_tracking else None,
        tracking_number=f"TRK{rng.randrange(10**11, 10**12)}" if has_tracking else None,
        shipping_address=who.address,
        payment_method="PayPal" if card == "PayPal" else f"{card} ending {rng.randrange(1000, 9999)}",
        item_used=status == "delivered" and rng.random() < 0.3,
    )
