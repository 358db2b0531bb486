"""The whole synthetic delivery, vehicle by vehicle: master record, history, contracts, campaign assignments."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from calculation.records import CampaignVehicle, ServiceContract, Vehicle
from catalog import Catalog
from generator.campaigns import assignments, campaigns_for
from generator.contracts import generate_contracts
from generator.history import History, simulate_history
from generator.vehicles import generate_vehicles


@dataclass(frozen=True)
class GeneratedVehicle:
    """Everything the source systems deliver about one generated vehicle."""

    index: int
    vehicle: Vehicle
    history: History
    contracts: tuple[ServiceContract, ...]
    campaigns: tuple[CampaignVehicle, ...]


def generate_one(catalog: Catalog, seed: int, index: int, vehicle: Vehicle) -> GeneratedVehicle:
    """History, contracts and campaigns of vehicle `index`; each comes from its own stream (§7.5.1)."""
    campaigns = campaigns_for(catalog, vehicle)
    history = simulate_history(catalog, seed, vehicle, campaigns)
    contracts = generate_contracts(catalog, seed, index, vehicle, history.visits)
    return GeneratedVehicle(
        index,
        vehicle,
        history,
        tuple(contracts),
        tuple(assignments(campaigns, vehicle, history.completed_campaigns)),
    )


def generate(catalog: Catalog, seed: int, count: int) -> Iterator[GeneratedVehicle]:
    """Vehicles 1…count of the data set for `seed`, in index order."""
    for index, vehicle in enumerate(generate_vehicles(catalog, seed, count), start=1):
        yield generate_one(catalog, seed, index, vehicle)
