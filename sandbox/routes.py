"""Every REST route under ``/services/data/vXX.X``, in matching order (fixed segments such as
``describe`` come before the ``{record_id}`` that would also match them)."""

from __future__ import annotations

from sandbox.rest import RestRoute


def all_routes() -> list[RestRoute]:
    from sandbox import bulk, routes_composite, routes_data, routes_rows

    return [*routes_data.ROUTES, *routes_rows.ROUTES, *routes_composite.ROUTES, *bulk.ROUTES]
