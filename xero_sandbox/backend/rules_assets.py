"""Assets API writes (xero_assets.yaml): POST /Assets creates a draft or registered asset (or
changes one named by its assetId), POST /AssetTypes adds an asset type. Refusals are the API's
400 with `fieldValidationErrors`; a second asset type of the same name is a 409.
"""

from __future__ import annotations

import numbers
import uuid
from datetime import datetime
from typing import Any

from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.store import Organisation

Record = dict[str, Any]
STATUSES = {"draft": "Draft", "registered": "Registered"}  # what a create may ask for
METHODS = ("NoDepreciation", "StraightLine", "DiminishingValue100", "DiminishingValue150",
           "DiminishingValue200", "FullDepreciation")
AVERAGING = ("FullMonth", "ActualDays")
CALCULATION = ("Rate", "Life", "None")
MAX_NAME = 255


def validation_error(errors: list[tuple[str, str, str]], status: int = 400) -> Answer:
    """The Assets API's error body (its `Error` component)."""
    return Answer(status, {
        "resourceValidationErrors": [],
        "fieldValidationErrors": [{
            "fieldName": f, "valueProvided": v, "localisedMessage": m,
            "type": "http://common.service.xero.com/errors/validation/field",
            "title": "Validation Error", "detail": m} for f, v, m in errors],
        "type": "http://common.service.xero.com/errors/validation",
        "title": "The resource update failed validation.", "detail": "Validation Errors"})


def _date(value: Any, field: str, errors: list[tuple[str, str, str]]) -> str | None:
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value)[:10], "%Y-%m-%d").strftime("%Y-%m-%dT00:00:00")
    except ValueError:
        errors.append((field, str(value), f"{field} must be a date (YYYY-MM-DD)"))
        return None


def _money(value: Any, field: str, errors: list[tuple[str, str, str]]) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (numbers.Number, str)):
        errors.append((field, str(value), f"{field} must be a number"))
        return None
    try:
        amount = float(str(value))
    except ValueError:
        errors.append((field, str(value), f"{field} must be a number"))
        return None
    if amount < 0:
        errors.append((field, str(value), f"{field} cannot be negative"))
    return amount


def depreciation_setting(raw: Any, field: str, errors: list[tuple[str, str, str]]
                         ) -> Record | None:
    """A bookDepreciationSetting checked against the spec's enums and Xero's rules."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.append((field, str(raw), f"{field} must be an object"))
        return None
    out = dict(raw)
    for key, allowed in (("depreciationMethod", METHODS), ("averagingMethod", AVERAGING),
                         ("depreciationCalculationMethod", CALCULATION)):
        value = raw.get(key)
        if value is not None and value not in allowed:
            errors.append((f"{field}.{key}", str(value),
                           f"{key} must be one of {', '.join(allowed)}"))
    if raw.get("depreciationRate") not in (None, "", 0) and \
            raw.get("effectiveLifeYears") not in (None, "", 0):
        errors.append((f"{field}.DepreciationRate", str(raw.get("depreciationRate")),
                       "Can't have both Depreciation Rate and Effective Life"))
    rate = _money(raw.get("depreciationRate"), f"{field}.depreciationRate", errors)
    if rate is not None:
        out["depreciationRate"] = rate
    return out


def _asset_type(org: Organisation, type_id: Any) -> Record | None:
    if not isinstance(type_id, str):
        return None
    coll = org.coll("asset_types")
    return coll.get(type_id) or coll.get(type_id.lower())


def _next_number(org: Organisation, now_ms: int) -> str:
    settings = org.coll("asset_settings")
    current = next(iter(settings.records.values()), None)
    prefix = str((current or {}).get("assetNumberPrefix", "FA-"))
    sequence = str((current or {}).get("assetNumberSequence", "0001"))
    taken = {str(a.get("assetNumber", "")).lower() for a in org.coll("assets").records.values()}
    n = int(sequence) if sequence.isdigit() else 1
    while f"{prefix}{n:0{len(sequence)}d}".lower() in taken:
        n += 1
    if current is not None:
        settings.put({**current, "assetNumberSequence": f"{n + 1:0{len(sequence)}d}"}, now_ms)
    return f"{prefix}{n:0{len(sequence)}d}"


def save_asset(org: Organisation, body: Record, now_ms: int) -> Answer:
    """POST /Assets: 200 with the asset as stored."""
    errors: list[tuple[str, str, str]] = []
    coll = org.coll("assets")
    existing = None
    if body.get("assetId"):
        existing = coll.get(str(body["assetId"])) or coll.get(str(body["assetId"]).lower())
        if existing is None:
            return validation_error([("assetId", str(body["assetId"]),
                                      "The asset does not exist")])
        if existing.get("assetStatus") != "Draft":
            return validation_error([("assetId", str(body["assetId"]),
                                      "Only a draft asset can be changed")])
    name = body.get("assetName", (existing or {}).get("assetName"))
    if not isinstance(name, str) or not name.strip():
        errors.append(("assetName", str(name or ""), "Asset name is required"))
    elif len(name) > MAX_NAME:
        errors.append(("assetName", name[:20], f"Asset name must be {MAX_NAME} characters "
                                                "or fewer"))
    status = STATUSES.get(str(body.get("assetStatus") or "Draft").lower())
    if status is None:
        errors.append(("assetStatus", str(body.get("assetStatus")),
                       "A new asset's status is Draft or Registered"))
    type_id = body.get("assetTypeId", (existing or {}).get("assetTypeId"))
    asset_type = _asset_type(org, type_id) if type_id else None
    if type_id and asset_type is None:
        errors.append(("assetTypeId", str(type_id), "Asset type is invalid"))
    purchase = _date(body.get("purchaseDate"), "purchaseDate", errors)
    price = _money(body.get("purchasePrice"), "purchasePrice", errors)
    setting = depreciation_setting(body.get("bookDepreciationSetting"),
                                   "BookDepreciationSetting", errors)
    number = body.get("assetNumber")
    if number and any(str(a.get("assetNumber", "")).lower() == str(number).lower()
                      and a.get("assetId") != (existing or {}).get("assetId")
                      for a in coll.records.values()):
        errors.append(("assetNumber", str(number), "Asset number must be unique"))
    if status == "Registered":
        for field, value in (("assetTypeId", asset_type), ("purchaseDate", purchase),
                             ("purchasePrice", price)):
            if value is None and not any(e[0] == field for e in errors):
                errors.append((field, "", f"{field} is required to register an asset"))
    if errors:
        return validation_error(errors)
    rec: Record = dict(existing) if existing else {
        "assetId": str(uuid.uuid4()), "disposalPrice": 0.0, "warrantyExpiryDate": "",
        "serialNumber": "", "canRollback": True, "isDeleteEnabledForDate": True,
        "bookDepreciationDetail": {"currentCapitalGain": 0.0, "currentGainLoss": 0.0,
                                   "costLimit": 0.0, "residualValue": 0.0,
                                   "priorAccumDepreciationAmount": 0.0,
                                   "currentAccumDepreciationAmount": 0.0}}
    assert isinstance(name, str)
    rec.update({"assetName": name.strip(), "assetStatus": status,
                "assetNumber": str(number) if number else rec.get("assetNumber")
                or _next_number(org, now_ms)})
    for key in ("serialNumber", "warrantyExpiryDate"):
        if isinstance(body.get(key), str):
            rec[key] = body[key]
    if asset_type is not None:
        rec["assetTypeId"] = asset_type["assetTypeId"]
    if purchase is not None:
        rec["purchaseDate"] = purchase
    if price is not None:
        rec["purchasePrice"] = price
        rec["accountingBookValue"] = price
    setting = setting or (dict(asset_type["bookDepreciationSetting"]) if asset_type else None)
    if setting is not None:
        rec["bookDepreciationSetting"] = {**setting, "depreciableObjectId": rec["assetId"],
                                          "depreciableObjectType": "Asset"}
    if purchase is not None and isinstance(rec.get("bookDepreciationDetail"), dict):
        start = _date((body.get("bookDepreciationDetail") or {}).get("depreciationStartDate")
                      if isinstance(body.get("bookDepreciationDetail"), dict) else None,
                      "bookDepreciationDetail.depreciationStartDate", errors) or purchase
        rec["bookDepreciationDetail"] = {**rec["bookDepreciationDetail"],
                                         "depreciationStartDate": start}
    if errors:
        return validation_error(errors)
    coll.put(rec, now_ms)
    return Answer(200, rec)


def add_asset_type(org: Organisation, body: Record, now_ms: int) -> Answer:
    """POST /AssetTypes: 200 with the new type; 409 when the name is taken."""
    errors: list[tuple[str, str, str]] = []
    name = body.get("assetTypeName")
    if not isinstance(name, str) or not name.strip():
        errors.append(("assetTypeName", str(name or ""), "Asset type name is required"))
    setting = depreciation_setting(body.get("bookDepreciationSetting"),
                                   "BookDepreciationSetting", errors)
    if setting is None and "bookDepreciationSetting" not in body:
        errors.append(("bookDepreciationSetting", "", "Book depreciation setting is required"))
    accounts = org.coll("accounts")
    for field, label in (("fixedAssetAccountId", "Fixed Asset Account Id"),
                         ("depreciationExpenseAccountId", "Depreciation Expense Account Id"),
                         ("accumulatedDepreciationAccountId",
                          "Accumulated Depreciation Account Id")):
        value = body.get(field)
        if value is not None and (not isinstance(value, str) or (
                accounts.get(value) is None and accounts.get(value.lower()) is None)):
            errors.append((field, str(value), f"{label} is invalid"))
    if errors:
        return validation_error(errors)
    assert isinstance(name, str)
    coll = org.coll("asset_types")
    if any(str(t.get("assetTypeName", "")).lower() == name.strip().lower()
           for t in coll.records.values()):
        return validation_error([("assetTypeName", name, "An asset type of that name "
                                                           "already exists")], 409)
    rec = {"assetTypeId": str(uuid.uuid4()), "assetTypeName": name.strip(),
           **{f: body[f] for f in ("fixedAssetAccountId", "depreciationExpenseAccountId",
                                    "accumulatedDepreciationAccountId") if body.get(f)},
           "bookDepreciationSetting": setting or {}, "locks": 0}
    coll.put(rec, now_ms)
    return Answer(200, rec)


__all__ = ["add_asset_type", "depreciation_setting", "save_asset",
           "validation_error"]
