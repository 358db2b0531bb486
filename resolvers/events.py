"""Resolvers of recorded service events: the mutation shops call and the subscription partners listen to."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson
from graphql import GraphQLError
from strawberry.types import Info

from bus.base import CursorError
from bus.hub import SubscriberTooSlow, json_object
from calculation.bounds import check_odometer
from calculation.echo import cut, quoted
from calculation.odometer import check_odometers
from calculation.quote import TECH_CAMPAIGN, open_campaigns
from calculation.records import EventItem, ServiceEvent, Vehicle
from calculation.vin import checked_vin
from resolvers.context import RequestContext, request_context
from resolvers.errors import client_input, domain_error, vin_error
from store import prepared
from store.base import IdempotencyConflict, Recorded

FUTURE_TOLERANCE = timedelta(days=1)  # a workshop's business date may be a day ahead of the server's (time zones)
CLOSE_TOO_SLOW = 4429
"""WebSocket close code for a subscriber whose queue overflowed: reconnect with the last cursor received."""
# Bounds of the free input of a recording: every event is kept for good and sent to every subscriber.
MAX_NOTE_LENGTH = 2000
MAX_WORKSHOP_CODE_LENGTH = 32
MAX_ITEM_CODES = 50
MAX_IDEMPOTENCY_KEY_LENGTH = 200


@dataclass(frozen=True)
class EventRequest:
    vin: str
    date: date
    odometer: int
    workshop_code: str
    authorised_workshop: bool
    item_codes: tuple[str, ...]
    note: str | None

    def fingerprint(self, vin: str) -> str:
        """Identifies the request for idempotency: the same key must come with the same request."""
        fields = {**self.__dict__, "vin": vin, "date": self.date.isoformat(), "item_codes": list(self.item_codes)}
        return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class Notification:
    cursor: str
    vin: str
    event: ServiceEvent


@dataclass(frozen=True)
class EventFilter:
    vins: frozenset[str] | None = None
    brands: frozenset[str] | None = None
    markets: frozenset[str] | None = None
    item_codes: frozenset[str] | None = None

    def accepts(self, notification: dict[str, Any]) -> bool:
        """Every given criterion must match; within one, any value (an event matches item codes if it has one)."""
        return (
            (self.vins is None or notification["vin"] in self.vins)
            and (self.brands is None or notification["brand"] in self.brands)
            and (self.markets is None or notification["market"] in self.markets)
            and (self.item_codes is None or not self.item_codes.isdisjoint(notification["itemCodes"]))
        )


def _check_sizes(request: EventRequest, idempotency_key: str | None) -> None:
    """Refuses input past the bounds before anything is looked up."""
    if request.note is not None and len(request.note) > MAX_NOTE_LENGTH:
        raise domain_error(
            "NOTE_TOO_LONG", f"The note has {len(request.note)} characters; at most {MAX_NOTE_LENGTH} are allowed.",
            limit=MAX_NOTE_LENGTH,
        )  # fmt: skip
    if len(request.workshop_code) > MAX_WORKSHOP_CODE_LENGTH:
        raise domain_error(
            "WORKSHOP_CODE_TOO_LONG",
            f"The workshop code has {len(request.workshop_code)} characters; at most {MAX_WORKSHOP_CODE_LENGTH} "
            "are allowed.",
            limit=MAX_WORKSHOP_CODE_LENGTH,
        )
    if len(request.item_codes) > MAX_ITEM_CODES:
        raise domain_error(
            "TOO_MANY_ITEM_CODES",
            f"{len(request.item_codes)} item codes were given; at most {MAX_ITEM_CODES} are allowed.",
            limit=MAX_ITEM_CODES,
        )
    if idempotency_key is not None and len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise domain_error(
            "IDEMPOTENCY_KEY_TOO_LONG",
            f"The idempotency key has {len(idempotency_key)} characters; at most {MAX_IDEMPOTENCY_KEY_LENGTH} "
            "are allowed.",
            limit=MAX_IDEMPOTENCY_KEY_LENGTH,
        )


async def _items(ctx: RequestContext, vehicle: Vehicle, request: EventRequest) -> tuple[EventItem, ...]:
    if not request.item_codes:
        raise domain_error("NO_ITEMS", "A service event needs at least one item code.")
    unknown = [c for c in request.item_codes if c not in ctx.catalog.service_items]
    if unknown:
        raise domain_error(
            "UNKNOWN_ITEM_CODE", f"Unknown item codes: {cut(', '.join(unknown))}.", itemCodes=[cut(c) for c in unknown]
        )
    items = [EventItem(code) for code in dict.fromkeys(request.item_codes) if code != TECH_CAMPAIGN]
    if TECH_CAMPAIGN in request.item_codes:
        assignments, events = await asyncio.gather(
            ctx.loaders.campaign_assignments_by_vin.load(vehicle.vin),
            ctx.loaders.service_events_by_vin.load(vehicle.vin),
        )
        campaigns = open_campaigns(ctx.catalog, assignments, events, on=request.date)
        if not campaigns:
            raise domain_error("NO_OPEN_CAMPAIGN", f"{vehicle.vin} has no open campaign on {request.date}.")
        items += [EventItem(TECH_CAMPAIGN, campaign_code=c.code) for c in campaigns]
    return tuple(items)


def _check_dates(vehicle: Vehicle, request: EventRequest) -> None:
    if request.date > date.today() + FUTURE_TOLERANCE:
        raise domain_error("DATE_IN_FUTURE", f"The service date {request.date} lies in the future.")
    if request.date < vehicle.handover_date:
        raise domain_error(
            "EVENT_BEFORE_HANDOVER",
            f"The service date {request.date} is before the handover on {vehicle.handover_date}.",
        )
    with client_input():
        check_odometer(request.odometer)
    if not request.workshop_code.strip():
        raise domain_error("INVALID_WORKSHOP_CODE", "The workshop code is empty.")


def notification_from_payload(payload: bytes) -> dict[str, Any]:
    """A bus entry's notification, its event decoded (once for every subscriber of the process); raises one of
    bus.hub.MALFORMED for an entry that is not one of `notification_payload`."""
    notification = json_object(payload)
    codes = notification["itemCodes"]
    text = (notification["vin"], notification["brand"], notification["market"])
    if not isinstance(codes, list) or not all(isinstance(value, str) for value in (*text, *codes)):
        raise TypeError("vin, brand, market and item codes are strings")
    notification["event"] = prepared.event_from_json(notification["event"])
    return notification


def notification_payload(ctx: RequestContext, vehicle: Vehicle, event: ServiceEvent) -> bytes:
    model = ctx.catalog.models[vehicle.model_code]
    return orjson.dumps(
        {
            "vin": vehicle.vin,
            "brand": model.brand_code,
            "market": vehicle.market,
            "itemCodes": [i.code for i in event.items],
            "event": prepared.event_to_json(event),
        }
    )


async def record_service_event(info: Info, request: EventRequest, idempotency_key: str | None) -> ServiceEvent:
    """Validates, records once per idempotency key, and publishes the event for subscribers."""
    ctx = request_context(info)
    vehicle, items = await _validated(ctx, request, idempotency_key)
    event = await _new_event(ctx, vehicle, request, items)
    recorded = await _claim_and_write(ctx, event, request.fingerprint(vehicle.vin), idempotency_key)
    if recorded.cursor is None:  # not yet published: a new event, or one a failure kept from the bus
        await _publish(ctx, vehicle, recorded.event, idempotency_key)
    return recorded.event


async def _validated(
    ctx: RequestContext, request: EventRequest, idempotency_key: str | None
) -> tuple[Vehicle, tuple[EventItem, ...]]:
    """The vehicle and the items of an acceptable request; the first check that fails raises its coded error."""
    _check_sizes(request, idempotency_key)
    check = checked_vin(request.vin, ctx.catalog)
    if check.reject is not None:
        raise vin_error(check.reject)
    vehicle = await ctx.loaders.vehicle_by_vin.load(check.vin)
    if vehicle is None:
        raise domain_error("VEHICLE_NOT_FOUND", f"VIN {check.vin} is not in the vehicle master.")
    _check_dates(vehicle, request)
    return vehicle, await _items(ctx, vehicle, request)


async def _new_event(
    ctx: RequestContext, vehicle: Vehicle, request: EventRequest, items: tuple[EventItem, ...]
) -> ServiceEvent:
    """A DSS event with an id of its own, its odometer checked against the vehicle's history."""
    history = await ctx.loaders.service_events_by_vin.load(vehicle.vin)
    event_id = f"DSS-{vehicle.vin}-{uuid.uuid4().hex[:12].upper()}"
    event = ServiceEvent(
        event_id=event_id, vin=vehicle.vin, date=request.date, odometer=request.odometer,
        workshop_code=request.workshop_code, authorised_workshop=request.authorised_workshop,
        source_systems=("DSS",), source_refs=(event_id,), items=items, note=request.note,
    )  # fmt: skip
    unit = ctx.catalog.markets[vehicle.market].distance_unit
    # DOMAIN §7.4 rule 2: a lower reading is kept, flagged ROLLBACK and counted at the last plausible odometer
    return next(e for e in check_odometers([*history, event], vehicle.handover_date, unit) if e.event_id == event_id)


async def _claim_and_write(
    ctx: RequestContext, event: ServiceEvent, fingerprint: str, idempotency_key: str | None
) -> Recorded:
    """The event written to the service history, or the first result of a key used before with this request."""
    try:
        return await ctx.sources.service_history.record_event(event, idempotency_key, fingerprint)
    except IdempotencyConflict:
        raise domain_error(
            "IDEMPOTENCY_KEY_REUSED", f"Idempotency key {quoted(idempotency_key)} was used for a different request."
        ) from None


async def _publish(ctx: RequestContext, vehicle: Vehicle, event: ServiceEvent, idempotency_key: str | None) -> None:
    """Appends the event to the bus, then remembers its cursor with the key, so that a retry does not publish it again.

    The event id is the append key: a concurrent twin of this request, or a retry after a failure between
    recording and publishing, publishes the same event, and the bus appends it once.
    """
    payload = notification_payload(ctx, vehicle, event)
    try:
        cursor = await ctx.hub.bus.append(payload, event.event_id)
    except Exception as exc:
        raise domain_error(
            "EVENT_NOT_PUBLISHED",
            "The event is recorded but subscribers could not be notified; send the request again with the same "
            "idempotency key to publish it.",
        ) from exc
    if idempotency_key is not None:
        await ctx.sources.service_history.mark_published(idempotency_key, cursor)


async def service_event_recorded(
    info: Info, event_filter: EventFilter, after: str | None
) -> AsyncIterator[Notification]:
    """Replays what followed `after`, then streams live; each notification's data is loaded fresh."""
    ctx = request_context(info)
    websocket = ctx.websocket

    def too_slow() -> None:
        if websocket is not None:
            asyncio.get_running_loop().create_task(
                websocket.close(CLOSE_TOO_SLOW, "subscriber too slow: reconnect with the last cursor received")
            )

    try:
        if after is not None:
            ctx.hub.bus.position(after)
        subscription = ctx.hub.join(lambda n: ctx.admits(n["brand"], n["market"]) and event_filter.accepts(n), too_slow)
    except CursorError as exc:
        raise GraphQLError(exc.message, extensions={"code": exc.code}) from None
    try:
        async for delivery in subscription.deliveries(after):
            ctx.renew_loaders()
            yield Notification(delivery.cursor, delivery.notification["vin"], delivery.notification["event"])
    except CursorError as exc:
        raise GraphQLError(exc.message, extensions={"code": exc.code}) from None
    except SubscriberTooSlow:
        return
    finally:
        subscription.close()
