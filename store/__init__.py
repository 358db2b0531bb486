"""Where the calculation reads prepared vehicles, events, contracts and campaigns from."""

from store.base import Store, load_vehicle_file, vehicle_file
from store.embedded import EmbeddedStore
from store.prepared import PreparedDataError

__all__ = ["EmbeddedStore", "PreparedDataError", "Store", "load_vehicle_file", "vehicle_file"]
