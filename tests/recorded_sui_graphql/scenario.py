"""The recorded Sui network: one `aura_oracle` package and oracle, a transmitter, requests, coins, checkpoints,
and the conversations (`recordings/*.json`) a GraphQL service has with the adapter about them.

Every value is fixed, so the transactions the adapter builds are byte for byte the ones recorded here; a
change in how the adapter builds them shows up as a request no recording answers. Responses follow the Sui
GraphQL schema (README.md); test_recorded_schema.py checks each one against its query.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import base58

from chains.base import UPDATE_WINDOW_S, OracleRequest, SignedAssessment
from chains.core.assessment import PRIVATE_TIER, AssessmentFacts
from chains.sui import package as pkg
from chains.sui import payload
from chains.sui import transaction as tx
from chains.sui.credit_events import MAINNET_LENDING_EVENTS, NAVI, SCALLOP_BORROW_V3
from chains.sui.update_id import update_request_id
from node.enclave.keys import EnclaveKey

HERE = Path(__file__).resolve().parent
RECORDINGS = HERE / "recordings"
SERVICE_VERSION = "1.62.0"  # the Sui release of the schema the recordings follow (README.md)


def _id(label: str) -> str:
    return "0x" + hashlib.sha256(label.encode()).hexdigest()


def _digest(label: str) -> str:
    return base58.b58encode(hashlib.sha256(label.encode()).digest()).decode()


def _time(seconds: float) -> str:
    """The service's DateTime: RFC 3339 UTC with milliseconds."""
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{int(round(seconds * 1000)) % 1000:03d}Z"


CHAIN = "sui-recorded"
CHAIN_IDENTIFIER = "5f1e2a9c"
PACKAGE = _id("aura recorded package")
ORACLE = _id("aura recorded oracle")
OTHER_ORACLE = _id("aura recorded other oracle")
ORACLE_INITIAL_SHARED_VERSION = 37
TRANSMITTER_SECRET = hashlib.sha256(b"aura recorded transmitter").digest()
ENCLAVE_SECRET = hashlib.sha256(b"aura recorded enclave").digest()
REQUESTER = _id("aura recorded requester")
SUBJECT = _id("aura recorded subject")
MEASUREMENT = hashlib.sha256(b"aura recorded measurement").digest()
PAYEE = _id("aura recorded payee")  # registered with the enclave key: every fulfilment's fee goes there
FEE = 50_000_000

HEAD = 1200
HEAD_TIME = 1_764_619_200.25  # 2025-12-01T20:00:00.250Z
EPOCH = 42
REFERENCE_GAS_PRICE = 1000
MAX_GAS_BUDGET = 100_000_000
MARGIN_PCT = 120
COMPUTATION, STORAGE, REBATE, NON_REFUNDABLE = 1_000_000, 4_000_000, 978_120, 9_880

# the transmitter's SUI coins: one too small for max_gas_budget, two large enough (the smaller of them is used)
COIN_SMALL = tx.ObjectRef(_id("coin small"), 11, _digest("coin small v11"))
COIN_LARGE = tx.ObjectRef(_id("coin large"), 12, _digest("coin large v12"))
COIN_HUGE = tx.ObjectRef(_id("coin huge"), 13, _digest("coin huge v13"))
COINS = ((COIN_SMALL, 50_000_000), (COIN_LARGE, 2_000_000_000), (COIN_HUGE, 90_000_000_000))
TRANSMITTER_BALANCE = sum(amount for _, amount in COINS)  # its SUI: these coins, all of them


def checkpoint_time(sequence: int) -> float:
    return HEAD_TIME - (HEAD - sequence) * 0.25


def checkpoint_digest(sequence: int) -> str:
    return _digest(f"checkpoint {sequence}")


def checkpoint_hash(sequence: int) -> str:
    """The checkpoint's digest as a Height carries it: 0x and the hex of its 32 bytes."""
    return "0x" + base58.b58decode(checkpoint_digest(sequence)).hex()


# --- keys and requests --------------------------------------------------------------------------------


def transmitter_key_text() -> str:
    import pysui_fastcrypto as pfc

    return pfc.encode_bech32(bytes([1]) + TRANSMITTER_SECRET, "suiprivkey")


def transmitter_address() -> str:
    from coincurve import PrivateKey

    public = PrivateKey(TRANSMITTER_SECRET).public_key.format(compressed=True)
    return "0x" + hashlib.blake2b(bytes([1]) + public, digest_size=32).hexdigest()


class Req:
    """A request as its `AssessmentRequested` event records it (`private`: made by `request_private_assessment`)."""

    def __init__(self, nonce: int, checkpoint: int, oracle: str = ORACLE, params: bytes = b"",
                 private: bool = False) -> None:
        self.nonce = nonce
        self.checkpoint = checkpoint
        self.oracle = oracle
        self.request_id = _id(f"request {oracle} {nonce}")
        self.tx_digest = _digest(f"request tx {oracle} {nonce}")
        self.created_ms = int(checkpoint_time(checkpoint) * 1000)
        self.expires_ms = self.created_ms + 3_600_000
        self.params = params
        self.private = private

    def event_json(self) -> dict[str, Any]:
        return {"oracle": self.oracle, "request_id": self.request_id, "nonce": str(self.nonce),
                "requester": REQUESTER, "subject": SUBJECT, "fee": str(FEE), "created_ms": str(self.created_ms),
                "expires_ms": str(self.expires_ms), "params": base64.b64encode(self.params).decode(),
                "private": self.private}

    def oracle_request(self) -> OracleRequest:
        return OracleRequest(
            chain=CHAIN, family="sui", chain_id=0, contract=self.oracle, request_id=self.request_id,
            requester=REQUESTER, subject=SUBJECT, fee=FEE, expires_at=self.expires_ms // 1000,
            params="0x" + self.params.hex(), block_number=self.checkpoint,
            block_hash=checkpoint_digest(self.checkpoint), tx_hash=self.tx_digest, ordinal=self.nonce,
            program=PACKAGE, private=self.private,
        )  # fmt: skip


REQ_A = Req(7, 1005, params=bytes.fromhex("01" + "00" * 8))
REQ_OTHER = Req(3, 1010, oracle=OTHER_ORACLE)
REQ_MALFORMED = Req(9, 1050)
REQ_B = Req(8, 1100)
REQ_PRIVATE = Req(12, 1120, private=True)  # a private assessment's request, after B on the poll's second page
REQ_FULFILLED = Req(5, 900)
REQ_CANCELLED = Req(6, 950)
REQ_MOVED = Req(10, 1020)  # the service puts its transaction in checkpoint 1021, not where its event was read
REQ_VERIFY = Req(11, 1005)  # made in request A's checkpoint, without params: `aura verify` recomputes it
REQ_UNKNOWN_ID = _id("a request nobody made")
FEATURES_HASH = hashlib.sha256(b"recorded features").digest()


def assessment(request: OracleRequest, score: int = 712, expiry_s: int = 3600) -> dict[str, Any]:
    """What the enclave returns for a Sui request (the fields a fulfilment uses), signed with a fixed key and
    pinned to the checkpoint holding the request: scoring `score`, tier 2 and pd 180, expiring `expiry_s` after its
    time. For a private request, as the enclave answers one: those fields for the operator and `private`, the
    payload signed in the private form (score 0, PRIVATE_TIER, pd 0)."""
    key = EnclaveKey(ENCLAVE_SECRET)
    tier, pd_bps = 2, 180
    signed = (0, PRIVATE_TIER, 0) if request.private else (score, tier, pd_bps)
    checkpoint = request.block_number
    timestamp = int(checkpoint_time(checkpoint))
    block_hash = base58.b58decode(checkpoint_digest(checkpoint))
    commitment = hashlib.sha256(b"commitment " + request.request_id.encode()).digest()
    expiry = timestamp + expiry_s
    message = payload.Assessment(
        oracle=payload.parse_address(request.contract), request_id=payload.parse_address(request.request_id),
        subject=payload.parse_address(request.subject),
        facts=AssessmentFacts(score=signed[0], tier=signed[1], pd_bps=signed[2], flags=0, measurement=MEASUREMENT,
                              commitment=commitment, block_number=checkpoint, block_hash=block_hash,
                              features_hash=FEATURES_HASH, timestamp=timestamp, expiry=expiry),
    ).to_bcs()  # fmt: skip
    digest = payload.digest(message)
    return {
        "score": score, "tier": tier, "pd_bps": pd_bps, "flags": 0, "measurement": "0x" + MEASUREMENT.hex(),
        "commitment": "0x" + commitment.hex(), "block_number": checkpoint, "block_hash": "0x" + block_hash.hex(),
        "features_hash": "0x" + FEATURES_HASH.hex(), "timestamp": timestamp, "expiry": expiry,
        "signer": key.address, "public_key": "0x" + key.public_key.hex(), "intent_message": "0x" + message.hex(),
        "digest": "0x" + digest.hex(), "signature": "0x" + payload.compact_signature(key.sign_digest(digest)).hex(),
        "timestamp_ms": timestamp * 1000, "expiry_ms": expiry * 1000,
        **({"private": True} if request.private else {}),
    }


UPDATE_TIME = int(HEAD_TIME)  # the latest checkpoint's time in whole seconds, as the adapter's head reads it
UPDATE_EXPIRY_S = 86_400  # what the suite's driver signs an update with (tests/adapter_suite/driver.py)


def update_request() -> OracleRequest:
    """An operator update of the subject at the latest checkpoint, as `update_request` makes it: the package's
    update ID of the subject and that checkpoint's time, no requester, no fee."""
    request_id = update_request_id(payload.parse_address(ORACLE), payload.parse_address(SUBJECT), UPDATE_TIME)
    return OracleRequest(
        chain=CHAIN, family="sui", chain_id=0, contract=ORACLE, request_id="0x" + request_id.hex(),
        requester="0x" + "00" * 32, subject=SUBJECT, fee=0, expires_at=UPDATE_TIME + UPDATE_WINDOW_S, params="",
        block_number=HEAD, block_hash=checkpoint_hash(HEAD), tx_hash="", ordinal=0, program=PACKAGE,
        operator_update=True,
    )  # fmt: skip


def signed_for(request: OracleRequest) -> dict[str, Any]:
    """The assessment a recorded transaction carries for `request`: an update's expires a day after its time."""
    return assessment(request, expiry_s=UPDATE_EXPIRY_S) if request.operator_update else assessment(request)


def invented_assessment() -> dict[str, Any]:
    """The verified request answered by an enclave whose host invented the subject's features: signed, pinned
    to the right checkpoint, but on features the recorded chain does not show (their hash is not theirs)."""
    return assessment(REQ_VERIFY.oracle_request(), score=949)


# --- the fulfilment the adapter must build --------------------------------------------------------------


def fulfil_kind(request: OracleRequest) -> Any:
    args = pkg.fulfil_args(request, SignedAssessment.from_wire(signed_for(request)))
    return pkg.fulfil_kind(PACKAGE, ORACLE, ORACLE_INITIAL_SHARED_VERSION, args)


def probe_bytes(request: OracleRequest, coin: tx.ObjectRef = COIN_LARGE, budget: int = MAX_GAS_BUDGET) -> bytes:
    return tx.serialize(tx.transaction_data(fulfil_kind(request), transmitter_address(), coin,
                                            REFERENCE_GAS_PRICE, budget, EPOCH))


BUDGET = math.ceil((COMPUTATION + STORAGE) * MARGIN_PCT / 100)


def fulfil_bytes(request: OracleRequest) -> bytes:
    return tx.serialize(tx.transaction_data(fulfil_kind(request), transmitter_address(), COIN_LARGE,
                                            REFERENCE_GAS_PRICE, BUDGET, EPOCH))


def fulfil_signature(request: OracleRequest) -> bytes:
    import pysui_fastcrypto as pfc
    from pysui.abstracts import SignatureScheme
    from pysui.sui.sui_crypto import SuiKeyPair

    from chains.sui.keys import Transmitter

    _, pub, prv = pfc.keys_from_keystring(base64.b64encode(bytes([1]) + TRANSMITTER_SECRET).decode())
    signer = Transmitter(SuiKeyPair.from_pfc_bytes(SignatureScheme.SECP256K1, bytes(pub), bytes(prv)))
    return signer.sign(fulfil_bytes(request))


def fulfil_raw(request: OracleRequest) -> str:
    return base64.b64encode(fulfil_bytes(request)).decode() + ":" + base64.b64encode(fulfil_signature(request)).decode()


def fulfil_digest(request: OracleRequest) -> str:
    return tx.digest(fulfil_bytes(request))


# --- responses ------------------------------------------------------------------------------------------


def ex(operation: str, variables: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """One exchange: the operation and variables the adapter sends, the service's answer."""
    return {"operation": operation, "variables": variables or {}, "response": {"data": data}}


def pysui_config() -> dict[str, Any]:
    """pysui's start-up configuration query (pgql_configs._QUERY_BETA) as the service answers it."""
    return {"data": {
        "chainIdentifier": CHAIN_IDENTIFIER,
        "checkpoint": {"sequenceNumber": HEAD, "timestamp": _time(HEAD_TIME),
                       "epoch": {"referenceGasPrice": str(REFERENCE_GAS_PRICE)}},
        "serviceConfig": {"mutationTimeoutMs": 74000, "queryTimeoutMs": 40000, "maxQueryDepth": 20,
                          "maxQueryNodes": 300, "maxOutputNodes": 100000, "maxTransactionPayloadSize": 174763,
                          "maxQueryPayloadSize": 5000, "maxMultiGetSize": 200, "maxTypeArgumentDepth": 16,
                          "maxTypeArgumentWidth": 32, "maxTypeNodes": 256, "maxMoveValueDepth": 128},
        "protocolConfigs": {"protocolVersion": 104,
                            "configs": [{"key": "max_tx_gas", "value": "50000000000"},
                                        {"key": "max_gas_price", "value": "100000"},
                                        {"key": "max_input_objects", "value": "2048"},
                                        {"key": "max_pure_argument_size", "value": "16384"}],
                            "featureFlags": [{"key": "enable_address_balance_gas_payments", "value": False},
                                             {"key": "receive_objects", "value": True}]},
    }}


def head_exchange() -> dict[str, Any]:
    return ex("AuraHead", None, {"checkpoint": {"sequenceNumber": HEAD, "timestamp": _time(HEAD_TIME),
                                                "digest": checkpoint_digest(HEAD)}})


def oracle_exchange(shared: bool = True, type_name: str = "Oracle") -> dict[str, Any]:
    owner = ({"__typename": "Shared", "initialSharedVersion": ORACLE_INITIAL_SHARED_VERSION} if shared
             else {"__typename": "AddressOwner"})
    return ex("AuraOracle", {"oracle": ORACLE, "package": PACKAGE}, {
        "object": {"address": ORACLE, "version": 311, "owner": owner,
                   "asMoveObject": {"contents": {"type": {"repr": f"{PACKAGE}::oracle::{type_name}"}}}},
        "package": {"address": PACKAGE, "module": {"name": "oracle", "function": {"name": "fulfil"}}},
    })


def oracle_value(threshold: int = 1) -> dict[str, Any]:
    """The `Oracle` object's fields as the service renders them (u64s as decimal strings, the u8 a number)."""
    return {"id": ORACLE, "fee": str(FEE), "request_ttl_ms": "3600000", "max_age_ms": "86400000",
            "max_skew_ms": "300000", "next_nonce": "12", "threshold": threshold, "active_enclaves": "2"}


def threshold_exchange(value: dict[str, Any] | None = None, type_name: str = "Oracle") -> dict[str, Any]:
    """`AuraThreshold`: the oracle object's contents, `value` (by default `oracle_value()`)."""
    return ex("AuraThreshold", {"oracle": ORACLE}, {"object": {"asMoveObject": {"contents": {
        "type": {"repr": f"{PACKAGE}::oracle::{type_name}"}, "json": value if value is not None else oracle_value()}}}})


def event_node(req: Req, json_: dict[str, Any] | None = None, sequence: int = 0) -> dict[str, Any]:
    return {"sequenceNumber": sequence,
            "contents": {"type": {"repr": pkg.type_name(PACKAGE, "AssessmentRequested")},
                         "json": json_ if json_ is not None else req.event_json()},
            "transaction": {"digest": req.tx_digest, "effects": {"checkpoint": {
                "sequenceNumber": req.checkpoint, "digest": checkpoint_digest(req.checkpoint)}}}}


def events_vars(after: int | None, before: int, cursor: str | None) -> dict[str, Any]:
    return {"type": pkg.type_name(PACKAGE, "AssessmentRequested"), "afterCheckpoint": after,
            "beforeCheckpoint": before, "first": 50, "cursor": cursor}


def events_page(nodes: list[dict[str, Any]], indexed: int, next_cursor: str | None) -> dict[str, Any]:
    return {"checkpoint": {"sequenceNumber": indexed},
            "events": {"pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor or "eyJlIjowfQ"},
                       "nodes": nodes}}


MALFORMED_JSON = {**REQ_MALFORMED.event_json(), "fee": FEE}  # a u64 rendered as a number: not what Sui writes


def request_value(req: Req, status: int) -> dict[str, Any]:
    """The `Request` record under `RequestKey`: only its status (the body is a separate, deleted field)."""
    return {"status": status}


def status_exchange(request_id: str, value: dict[str, Any] | None) -> dict[str, Any]:
    name = {"type": pkg.type_name(PACKAGE, "RequestKey"),
            "bcs": base64.b64encode(bytes.fromhex(request_id[2:])).decode()}
    field = None if value is None else {"value": {"__typename": "MoveValue",
                                                  "type": {"repr": pkg.type_name(PACKAGE, "Request")},
                                                  "json": value}}
    return ex("AuraRequestStatus", {"oracle": ORACLE, "name": name}, {"object": {"dynamicField": field}})


def gas_exchange(coins: tuple[tuple[tx.ObjectRef, int], ...] = COINS, price: int = REFERENCE_GAS_PRICE) -> dict[str, Any]:
    return ex("AuraGas", {"owner": transmitter_address(), "coinType": pkg.SUI_COIN_TYPE, "first": 50}, {
        "epoch": {"epochId": EPOCH, "referenceGasPrice": str(price)},
        "address": {"objects": {"nodes": [
            {"address": ref.object_id, "version": ref.version, "digest": ref.digest,
             "contents": {"json": {"id": ref.object_id, "balance": str(amount)}}} for ref, amount in coins]}},
    })


def gas_summary() -> dict[str, Any]:
    return {"computationCost": COMPUTATION, "storageCost": STORAGE, "storageRebate": REBATE,
            "nonRefundableStorageFee": NON_REFUNDABLE}


def abort_error(code: int, function: str = "fulfil") -> dict[str, Any]:
    return {"abortCode": str(code), "identifier": None,
            "message": f"Error in 1st command, from '{PACKAGE}::oracle::{function}' (instruction 18), abort code: "
                       f"{code}",
            "module": {"name": "oracle", "package": {"address": PACKAGE}}}


INSUFFICIENT_GAS = {"abortCode": None, "identifier": None, "message": "InsufficientGas", "module": None}


def simulate_exchange(request: OracleRequest, abort: int | None = None, error: dict[str, Any] | None = None,
                      coin: tx.ObjectRef = COIN_LARGE, budget: int = MAX_GAS_BUDGET) -> dict[str, Any]:
    if abort is not None:
        error = abort_error(abort, "update" if request.operator_update else "fulfil")
    effects: dict[str, Any] = {"status": "SUCCESS" if error is None else "FAILURE",
                               "gasEffects": {"gasSummary": gas_summary()}, "executionError": error}
    probe = base64.b64encode(probe_bytes(request, coin, budget)).decode()
    return ex("AuraSimulate", {"transaction": {"bcs": {"value": probe}}},
              {"simulateTransaction": {"error": None, "effects": effects}})


def execute_vars(request: OracleRequest) -> dict[str, Any]:
    return {"transactionDataBcs": base64.b64encode(fulfil_bytes(request)).decode(),
            "signatures": [base64.b64encode(fulfil_signature(request)).decode()]}


def execute_exchange(request: OracleRequest, errors: list[str] | None = None) -> dict[str, Any]:
    if errors:
        return ex("AuraExecute", execute_vars(request), {"executeTransaction": {"errors": errors, "effects": None}})
    return ex("AuraExecute", execute_vars(request), {"executeTransaction": {
        "errors": None, "effects": {"digest": fulfil_digest(request), "status": "SUCCESS"}}})


FULFIL_CHECKPOINT = 1210


def _b64hex(text: str) -> str:
    return base64.b64encode(bytes.fromhex(text[2:])).decode()


def fulfilled_json(request: OracleRequest, signed: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `AssessmentFulfilled` event of `request` answered with `signed` (by default `signed_for(request)`): an
    update's pays no fee."""
    signed = signed if signed is not None else signed_for(request)
    facts = SignedAssessment.from_wire(signed).facts  # what was signed: a private assessment's private form
    return {
        "oracle": request.contract, "request_id": request.request_id, "subject": request.subject,
        "score": facts.score, "tier": facts.tier, "pd_bps": facts.pd_bps, "flags": signed["flags"],
        "measurement": _b64hex(signed["measurement"]), "commitment": _b64hex(signed["commitment"]),
        "checkpoint": str(signed["block_number"]), "checkpoint_digest": _b64hex(signed["block_hash"]),
        "features_hash": _b64hex(signed["features_hash"]), "timestamp_ms": str(signed["timestamp_ms"]),
        "expiry_ms": str(signed["expiry_ms"]), "version": "1", "stored": True,
        "public_key": _b64hex(signed["public_key"]), "signature": _b64hex(signed["signature"]),
        "transmitter": transmitter_address(), "payee": PAYEE, "fee": str(request.fee),
    }  # fmt: skip


def fulfilled_event(request: OracleRequest) -> dict[str, Any]:
    return {"contents": {"type": {"repr": pkg.type_name(PACKAGE, "AssessmentFulfilled")},
                         "json": fulfilled_json(request)}}


def status_vars(request: OracleRequest) -> dict[str, Any]:
    return {"digest": fulfil_digest(request), "coin": COIN_LARGE.object_id, "version": COIN_LARGE.version}


def tx_status_exchange(request: OracleRequest, outcome: str, epoch: int = EPOCH) -> dict[str, Any]:
    """The status query answered for `outcome`: success, abort, unknown, used-elsewhere, used-by-itself."""
    effects: dict[str, Any] | None = None
    later: list[dict[str, Any]] = []
    if outcome in ("success", "abort"):
        effects = {"digest": fulfil_digest(request), "status": "SUCCESS" if outcome == "success" else "FAILURE",
                   "checkpoint": {"sequenceNumber": FULFIL_CHECKPOINT},
                   "gasEffects": {"gasSummary": gas_summary()},
                   "executionError": None if outcome == "success" else abort_error(10),
                   "events": {"nodes": [fulfilled_event(request)] if outcome == "success" else []}}
    elif outcome == "used-elsewhere":
        later = [{"version": COIN_LARGE.version + 3, "previousTransaction": {"digest": _digest("another tx")}}]
    elif outcome == "used-by-itself":
        later = [{"version": COIN_LARGE.version + 3, "previousTransaction": {"digest": fulfil_digest(request)}}]
    return ex("AuraStatus", status_vars(request), {"epoch": {"epochId": epoch}, "transactionEffects": effects,
                                                   "objectVersions": {"nodes": later}})


FEATURES_AT = REQ_A.checkpoint  # features are read at the checkpoint request A is pinned to


def features_vars(cursor: str | None, at: int = FEATURES_AT) -> dict[str, Any]:
    return {"subject": SUBJECT, "at": at, "first": 50, "cursor": cursor}


def features_page(nodes: list[tuple[str, float]], next_cursor: str | None, at: int = FEATURES_AT) -> dict[str, Any]:
    return {"checkpoint": {"sequenceNumber": at, "digest": checkpoint_digest(at), "query": {
        "address": {"balance": {"totalBalance": "2500000000"}},
        "transactions": {"pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor or "eyJ0IjozfQ"},
                         "nodes": [{"digest": d, "effects": {"timestamp": _time(t)}} for d, t in nodes]}}}}


FIRST_SEEN = 1_700_000_000.5


def pinned_exchange(req: Req, held_in: int | None, checkpoint_known: bool = True) -> dict[str, Any]:
    """The pinned checkpoint of `req`: the checkpoint its transaction is in (`held_in`; None when the service no
    longer has the transaction), and checkpoint `req.checkpoint` itself (absent when not `checkpoint_known`)."""
    effects = None if held_in is None else {"checkpoint": {"sequenceNumber": held_in}}
    checkpoint = {"sequenceNumber": req.checkpoint, "digest": checkpoint_digest(req.checkpoint),
                  "timestamp": _time(checkpoint_time(req.checkpoint))} if checkpoint_known else None
    return ex("AuraPinned", {"digest": req.tx_digest, "checkpoint": req.checkpoint},
              {"transactionEffects": effects, "checkpoint": checkpoint})


def _transaction(digest: str, checkpoint: int, events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """A successful transaction as `AuraEventsOf` selects it: its checkpoint and the package's events."""
    return {"digest": digest, "effects": {
        "status": "SUCCESS", "checkpoint": {"sequenceNumber": checkpoint, "digest": checkpoint_digest(checkpoint)},
        "events": {"nodes": [{"contents": {"type": {"repr": pkg.type_name(PACKAGE, name)}, "json": json_}}
                             for name, json_ in events]}}}


def fulfil_tx_digest(req: Req) -> str:
    return _digest(f"fulfil tx {req.request_id}")


def fulfilment_exchange(req: Req | str, status: int | None, signed: dict[str, Any] | None = None) -> dict[str, Any]:
    """`AuraFulfilment` of a request: its `Request` record (None: no record), the transaction that last changed
    it (the one that settled it; for a pending request the one that made it) and, of a settled one, the one that
    made it. A fulfilled request is answered with `signed` (by default `assessment(request)`)."""
    request_id = req if isinstance(req, str) else req.request_id
    name = {"type": pkg.type_name(PACKAGE, "RequestKey"),
            "bcs": base64.b64encode(bytes.fromhex(request_id[2:])).decode()}
    field = None
    if isinstance(req, Req) and status is not None:
        made = _transaction(req.tx_digest, req.checkpoint, [("AssessmentRequested", req.event_json())])
        request = req.oracle_request()
        if status == 0:
            settled = made
        elif status == 1:
            settled = _transaction(fulfil_tx_digest(req), FULFIL_CHECKPOINT,
                                   [("AssessmentFulfilled", fulfilled_json(request, signed))])
        else:
            settled = _transaction(_digest(f"cancel tx {req.request_id}"), FULFIL_CHECKPOINT, [(
                "AssessmentCancelled", {"oracle": req.oracle, "request_id": req.request_id, "requester": REQUESTER,
                                        "refund": str(FEE)})])
        field = {"value": {"__typename": "MoveValue", "type": {"repr": pkg.type_name(PACKAGE, "Request")},
                           "json": {"status": status}},
                 "previousTransaction": settled,
                 "objectVersionsBefore": {"nodes": [] if status == 0 else [{"previousTransaction": made}]}}
    return ex("AuraFulfilment", {"oracle": ORACLE, "name": name}, {"object": {"dynamicField": field}})


def features_exchanges(at: int = FEATURES_AT) -> list[dict[str, Any]]:
    """The subject's features as of checkpoint `at` (by default request A's), over two pages."""
    return [
        ex("AuraFeatures", features_vars(None, at), features_page(
            [(_digest("subject tx 1"), FIRST_SEEN), (_digest("subject tx 2"), FIRST_SEEN + 86_400)], "eyJ0IjoyfQ",
            at)),
        ex("AuraFeatures", features_vars("eyJ0IjoyfQ", at),
           features_page([(_digest("subject tx 3"), HEAD_TIME - 60)], None, at)),
    ]


# --- the enclave registry ------------------------------------------------------------------------------

OTHER_ENCLAVE_SECRET = hashlib.sha256(b"aura recorded other enclave").digest()  # registered on this oracle too
REGISTERED_MS = int(checkpoint_time(800) * 1000)
REVOKED_MS = int(checkpoint_time(1150) * 1000)


def enclave_public_key(secret: bytes = ENCLAVE_SECRET) -> bytes:
    return EnclaveKey(secret).public_key


def registered_node(oracle: str, secret: bytes) -> dict[str, Any]:
    """An `EnclaveRegistered` event: the key of `secret` registered on `oracle`, with MEASUREMENT and PAYEE."""
    return {"contents": {"type": {"repr": pkg.type_name(PACKAGE, "EnclaveRegistered")}, "json": {
        "oracle": oracle, "public_key": base64.b64encode(enclave_public_key(secret)).decode(),
        "measurement": base64.b64encode(MEASUREMENT).decode(), "payee": PAYEE}}}


def registrations_vars(cursor: str | None) -> dict[str, Any]:
    return {"type": pkg.type_name(PACKAGE, "EnclaveRegistered"), "first": 50, "cursor": cursor}


def registrations_exchanges() -> list[dict[str, Any]]:
    """Two pages of the package's `EnclaveRegistered` events: the recorded enclave's key on another oracle and
    another key on this one, then the recorded enclave's key on this oracle."""
    def page(nodes: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
        return {"events": {"pageInfo": {"hasNextPage": next_cursor is not None,
                                        "endCursor": next_cursor or "eyJyIjozfQ"}, "nodes": nodes}}

    return [
        ex("AuraRegistrations", registrations_vars(None),
           page([registered_node(OTHER_ORACLE, ENCLAVE_SECRET), registered_node(ORACLE, OTHER_ENCLAVE_SECRET)],
                "eyJyIjoyfQ")),
        ex("AuraRegistrations", registrations_vars("eyJyIjoyfQ"), page([registered_node(ORACLE, ENCLAVE_SECRET)], None)),
    ]


def enclave_exchange(value: dict[str, Any] | None, secret: bytes = ENCLAVE_SECRET) -> dict[str, Any]:
    """The `Enclave` record under `EnclaveKey { public_key }` of the key of `secret` (None: no record)."""
    name = {"type": pkg.type_name(PACKAGE, "EnclaveKey"),
            "bcs": base64.b64encode(tx.vector_u8(enclave_public_key(secret))).decode()}
    field = None if value is None else {"value": {"__typename": "MoveValue",
                                                  "type": {"repr": pkg.type_name(PACKAGE, "Enclave")}, "json": value}}
    return ex("AuraEnclave", {"oracle": ORACLE, "name": name}, {"object": {"dynamicField": field}})


def enclave_value(active: bool = True) -> dict[str, Any]:
    return {"measurement": base64.b64encode(MEASUREMENT).decode(), "payee": PAYEE, "active": active,
            "registered_ms": str(REGISTERED_MS), "revoked_ms": "0" if active else str(REVOKED_MS)}


def balance_exchange() -> dict[str, Any]:
    return ex("AuraBalance", {"owner": transmitter_address()},
              {"address": {"balance": {"totalBalance": str(TRANSMITTER_BALANCE)}}})


# --- lending events -------------------------------------------------------------------------------------

BORROWER = _id("aura recorded borrower")  # a watched wallet that borrows and repays after the latest checkpoint
BYSTANDER = _id("aura recorded bystander")  # another wallet that borrows meanwhile
LENT_HEAD = HEAD + 10  # the latest checkpoint once they have
SCALLOP_BORROW = f"{SCALLOP_BORROW_V3}::borrow::BorrowEventV3"
NAVI_BORROW = f"{NAVI}::lending::BorrowEvent"
NAVI_REPAY = f"{NAVI}::lending::RepayEvent"
LOOK_ALIKE = f"{_id('a package copying scallop')}::borrow::BorrowEventV3"  # the same name, another package


class Lend:
    """A lending event as the protocol's Move code emits it (u64s as decimal strings, a u8 a number, TypeName
    `{"name": ...}`), in `checkpoint`."""

    def __init__(self, wallet: str, event_type: str, checkpoint: int, amount: int, label: str) -> None:
        self.wallet, self.event_type, self.checkpoint, self.amount = wallet, event_type, checkpoint, amount
        self.digest = _digest(f"lending tx {label}")

    def event_json(self) -> dict[str, Any]:
        seconds = str(int(checkpoint_time(self.checkpoint)))
        if self.event_type.endswith("::borrow::BorrowEventV3"):
            return {"borrower": self.wallet, "obligation": _id(f"obligation {self.wallet}"),
                    "asset": {"name": "0000000000000000000000000000000000000000000000000000000000000002::sui::SUI"},
                    "amount": str(self.amount), "borrow_fee": str(self.amount // 1000), "borrow_fee_discount": "0",
                    "borrow_referral_fee": "0", "time": seconds}
        return {"reserve": 0, "sender": self.wallet, "amount": str(self.amount)}  # Navi's lending events

    def node(self, json_: dict[str, Any] | None = None, event_type: str | None = None,
             sequence: int = 0) -> dict[str, Any]:
        """The event as `AuraEvents` selects it: `sequence` its place among its transaction's events."""
        return {"sequenceNumber": sequence,
                "contents": {"type": {"repr": event_type or self.event_type},
                             "json": json_ if json_ is not None else self.event_json()},
                "transaction": {"digest": self.digest, "effects": {"checkpoint": {
                    "sequenceNumber": self.checkpoint, "digest": checkpoint_digest(self.checkpoint)}}}}


LENDS = (Lend(BORROWER, SCALLOP_BORROW, HEAD + 3, 2_000_000_000, "borrower borrows"),
         Lend(BYSTANDER, NAVI_BORROW, HEAD + 5, 5_000_000, "bystander borrows"),
         Lend(BORROWER, NAVI_REPAY, HEAD + 7, 1_000_000, "borrower repays"))
"""What the suite's driver does after the latest checkpoint (tests/adapter_suite/test_sui.py `lend`): the borrower
borrows SUI on Scallop, the bystander borrows on Navi, the borrower repays on Navi."""


def lent_head_exchange() -> dict[str, Any]:
    return ex("AuraHead", None, {"checkpoint": {"sequenceNumber": LENT_HEAD,
                                                "timestamp": _time(checkpoint_time(LENT_HEAD)),
                                                "digest": checkpoint_digest(LENT_HEAD)}})


def credit_vars(event_type: str, after: int, before: int, cursor: str | None = None) -> dict[str, Any]:
    return {"type": event_type, "afterCheckpoint": after, "beforeCheckpoint": before, "first": 50, "cursor": cursor}


def credit_page(nodes: list[dict[str, Any]], indexed: int, next_cursor: str | None = None) -> dict[str, Any]:
    return {"checkpoint": {"sequenceNumber": indexed},
            "events": {"pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor or "eyJlIjo5fQ"},
                       "nodes": nodes}}


def credit_exchanges(pages: dict[str, list[dict[str, Any]]], after: int = HEAD, until: int = LENT_HEAD,
                     indexed: int = LENT_HEAD) -> list[dict[str, Any]]:
    """`AuraEvents` of every default lending event type over (after, until]: each type's one page of `pages`
    (none: empty), the service's index at `indexed`."""
    return [ex("AuraEvents", credit_vars(event_type, after, until + 1),
               credit_page(pages.get(event_type, []), indexed)) for event_type in MAINNET_LENDING_EVENTS]


def lending_pages() -> dict[str, list[dict[str, Any]]]:
    pages: dict[str, list[dict[str, Any]]] = {}
    for lend in LENDS:
        pages.setdefault(lend.event_type, []).append(lend.node())
    return pages


def lending_paged_exchanges() -> list[dict[str, Any]]:
    """The same window read from a service indexed only to checkpoint 1208, Scallop's borrows over two pages: the
    borrower's borrow beside a look-alike of another package and a malformed one (its borrower a number), then a
    borrow of the borrower's in 1209, past what the service has indexed on the other types."""
    borrow, bystander, repay = LENDS
    late = Lend(BORROWER, SCALLOP_BORROW, HEAD + 9, 3_000_000_000, "borrower borrows again")
    malformed = Lend(BORROWER, SCALLOP_BORROW, HEAD + 4, 1, "malformed borrow")
    indexed = HEAD + 8
    out = [e for e in credit_exchanges({NAVI_BORROW: [bystander.node()], NAVI_REPAY: [repay.node()]}, indexed=indexed)
           if e["variables"]["type"] != SCALLOP_BORROW]
    first = [borrow.node(), borrow.node(event_type=LOOK_ALIKE, sequence=1),
             malformed.node({**malformed.event_json(), "borrower": 7})]
    out += [ex("AuraEvents", credit_vars(SCALLOP_BORROW, HEAD, LENT_HEAD + 1),
               credit_page(first, LENT_HEAD, "eyJlIjoyfQ")),
            ex("AuraEvents", credit_vars(SCALLOP_BORROW, HEAD, LENT_HEAD + 1, "eyJlIjoyfQ"),
               credit_page([late.node()], LENT_HEAD))]
    return out


def build() -> dict[str, dict[str, Any]]:
    """Every recordings/*.json file: {"about": ..., "exchanges": [...]}, and start.json (pysui's start-up)."""
    a = REQ_A.oracle_request()
    private = REQ_PRIVATE.oracle_request()
    update = update_request()
    files: dict[str, dict[str, Any]] = {
        "start.json": {"about": "pysui's start-up configuration query (its introspection: introspection.json.gz)",
                       "exchanges": [{"operation": "pysui-config", "variables": {}, "response": pysui_config()}]},
        "connect.json": {"about": "the oracle object and package, checked on connect; the latest checkpoint",
                         "exchanges": [oracle_exchange(), head_exchange()]},
        "threshold.json": {"about": "the oracle object's fields: its quorum threshold is 1",
                           "exchanges": [oracle_exchange(), threshold_exchange()]},
        "connect_not_shared.json": {"about": "the configured oracle is an owned object",
                                    "exchanges": [oracle_exchange(shared=False)]},
        "poll.json": {
            "about": "two pages of AssessmentRequested events after checkpoint 1000 up to 1200: one request of "
                     "this oracle on the first page and two on the second (the later one private), another "
                     "oracle's request, a malformed event",
            "exchanges": [
                oracle_exchange(),
                ex("AuraEvents", events_vars(1000, 1201, None),
                   events_page([event_node(REQ_A), event_node(REQ_OTHER)], HEAD, "eyJjIjoxMDEwfQ")),
                ex("AuraEvents", events_vars(1000, 1201, "eyJjIjoxMDEwfQ"),
                   events_page([event_node(REQ_MALFORMED, MALFORMED_JSON), event_node(REQ_B),
                                event_node(REQ_PRIVATE)], HEAD, None)),
            ]},
        "poll_bounds.json": {
            "about": "polls bounded by `until` (1050) and by the service's own index (1150 < until 1200)",
            "exchanges": [
                oracle_exchange(),
                ex("AuraEvents", events_vars(1000, 1051, None),
                   events_page([event_node(REQ_A), event_node(REQ_OTHER), event_node(REQ_MALFORMED, MALFORMED_JSON),
                                event_node(REQ_B)], HEAD, None)),
                ex("AuraEvents", events_vars(1050, 1201, None), events_page([event_node(REQ_B)], 1150, None)),
                ex("AuraEvents", events_vars(None, 1201, None),
                   events_page([event_node(REQ_A), event_node(REQ_B)], HEAD, None)),
            ]},
        "request_status.json": {
            "about": "the Request dynamic field under the oracle: pending, fulfilled, cancelled, absent",
            "exchanges": [
                oracle_exchange(),
                status_exchange(REQ_A.request_id, request_value(REQ_A, 0)),
                status_exchange(REQ_FULFILLED.request_id, request_value(REQ_FULFILLED, 1)),
                status_exchange(REQ_CANCELLED.request_id, request_value(REQ_CANCELLED, 2)),
                status_exchange(REQ_UNKNOWN_ID, None),
                ex("AuraTransactionCheckpoint", {"digest": REQ_A.tx_digest}, {"transactionEffects": {
                    "status": "SUCCESS", "checkpoint": {"sequenceNumber": REQ_A.checkpoint,
                                                        "digest": checkpoint_digest(REQ_A.checkpoint)}}}),
            ]},
        "pinned.json": {
            "about": "the checkpoints requests are pinned to: A's transaction is in 1005; B's is no longer kept by "
                     "the service (its checkpoint is); the moved request's is in 1021, not 1020; the fulfilled "
                     "request's checkpoint is not available",
            "exchanges": [
                oracle_exchange(),
                pinned_exchange(REQ_A, REQ_A.checkpoint),
                pinned_exchange(REQ_B, None),
                pinned_exchange(REQ_MOVED, REQ_MOVED.checkpoint + 1),
                pinned_exchange(REQ_FULFILLED, None, checkpoint_known=False),
            ]},
        "features.json": {
            "about": "the subject's SUI balance and transactions as of checkpoint 1005 (request A's), over two pages",
            "exchanges": [oracle_exchange(), *features_exchanges()]},
        "fulfilment.json": {
            "about": "requests read back: A fulfilled (the transactions that made and settled it), the private "
                     "request fulfilled in the private form, B pending, one cancelled, one unknown",
            "exchanges": [oracle_exchange(), fulfilment_exchange(REQ_A, 1), fulfilment_exchange(REQ_PRIVATE, 1),
                          fulfilment_exchange(REQ_B, 0),
                          fulfilment_exchange(REQ_CANCELLED, 2), fulfilment_exchange(REQ_UNKNOWN_ID, None)]},
        "offchain.json": {
            "about": "an off-chain assessment's pin: the latest checkpoint (1200), and the subject's features there",
            "exchanges": [oracle_exchange(), head_exchange(), *features_exchanges(HEAD)]},
        "verify.json": {
            "about": "what `aura verify` reads besides the fulfilment: the verified request's pinned checkpoint "
                     "(1005) and the subject's features there",
            "exchanges": [oracle_exchange(), pinned_exchange(REQ_VERIFY, REQ_VERIFY.checkpoint),
                          *features_exchanges()]},
        "verify_invented.json": {
            "about": "the verified request fulfilled with an assessment signed on invented features",
            "exchanges": [fulfilment_exchange(REQ_VERIFY, 1, invented_assessment())]},
        "prepare.json": {
            "about": "gas context (epoch, reference gas price, the transmitter's coins), the dry run, execution "
                     "twice (the same signed bytes)",
            "exchanges": [oracle_exchange(), gas_exchange(), simulate_exchange(a), execute_exchange(a)]},
        "prepare_private.json": {
            "about": "the private request pending; the dry run and execution of its fulfilment in the private form",
            "exchanges": [oracle_exchange(), status_exchange(REQ_PRIVATE.request_id, request_value(REQ_PRIVATE, 0)),
                          simulate_exchange(private), execute_exchange(private)]},
        "status_private_success.json": {
            "about": "the private request's fulfilment executed in a checkpoint: the request fulfilled",
            "exchanges": [oracle_exchange(), tx_status_exchange(private, "success"),
                          status_exchange(REQ_PRIVATE.request_id, request_value(REQ_PRIVATE, 1))]},
        "update.json": {
            "about": "an operator update of the subject at the latest checkpoint (1200): its id not recorded yet; "
                     "the dry run and execution of its oracle::update call",
            "exchanges": [oracle_exchange(), head_exchange(), gas_exchange(), status_exchange(update.request_id, None),
                          simulate_exchange(update), execute_exchange(update)]},
        "update_landed.json": {
            "about": "the operator update executed in a checkpoint: its id recorded fulfilled; the same update again "
                     "aborts in oracle::update with code 10 (ERequestNotPending)",
            "exchanges": [oracle_exchange(), tx_status_exchange(update, "success"),
                          status_exchange(update.request_id, {"status": 1}), gas_exchange(),
                          simulate_exchange(update, abort=10)]},
        "prepare_abort.json": {
            "about": "the dry run aborts in oracle::fulfil with code 10 (ERequestNotPending)",
            "exchanges": [oracle_exchange(), gas_exchange(), simulate_exchange(a, abort=10),
                          status_exchange(REQ_A.request_id, request_value(REQ_A, 1))]},
        "prepare_no_coin.json": {
            "about": "the reference gas price is above max_gas_price; then a stored fulfilment is sent again and "
                     "the only coin is the one it pays with",
            "exchanges": [oracle_exchange(), gas_exchange(price=20_000), execute_exchange(a),
                          gas_exchange(coins=((COIN_LARGE, 2_000_000_000),))]},
        "prepare_gas_failure.json": {
            "about": "dry runs failing for gas: on a coin smaller than max_gas_budget, then with all of it",
            "exchanges": [oracle_exchange(), gas_exchange(coins=((COIN_SMALL, 50_000_000),)),
                          simulate_exchange(a, error=INSUFFICIENT_GAS, coin=COIN_SMALL, budget=50_000_000),
                          gas_exchange(), simulate_exchange(a, error=INSUFFICIENT_GAS)]},
        "signer.json": {
            "about": "the enclave's signer as the oracle sees it: its key among two pages of EnclaveRegistered "
                     "events, its Enclave record (active, with the recorded measurement); the transmitter's SUI",
            "exchanges": [oracle_exchange(), *registrations_exchanges(), enclave_exchange(enclave_value()),
                          balance_exchange()]},
        "signer_revoked.json": {
            "about": "the enclave's key revoked: its Enclave record inactive",
            "exchanges": [oracle_exchange(), enclave_exchange(enclave_value(active=False))]},
        "broadcast_refused.json": {
            "about": "executeTransaction refusing the fulfilment: its gas coin version is gone; a bad signature",
            "exchanges": [
                oracle_exchange(),
                execute_exchange(a, errors=[
                    f"Object ID {COIN_LARGE.object_id} Version {COIN_LARGE.version} Digest {COIN_LARGE.digest} is "
                    f"not available for consumption, current version: {COIN_LARGE.version + 3}"]),
                execute_exchange(a, errors=["Invalid user signature: Signature is not valid"]),
            ]},
    }
    for outcome in ("success", "abort", "unknown", "used-elsewhere", "used-by-itself"):
        files[f"status_{outcome.replace('-', '_')}.json"] = {
            "about": f"the fulfilment's status: {outcome}",
            "exchanges": [oracle_exchange(), tx_status_exchange(a, outcome)]}
    files["status_expired.json"] = {
        "about": "the fulfilment's status: unknown digest, coin version unconsumed, epoch past its expiration",
        "exchanges": [oracle_exchange(), tx_status_exchange(a, "unknown", epoch=EPOCH + 1)]}
    files["transport.json"] = {
        "about": "a gateway error, a GraphQL error, a body that is not JSON",
        "exchanges": [
            oracle_exchange(),
            {"operation": "AuraHead", "variables": {}, "status": 503, "body": "upstream connect error"},
            {"operation": "AuraHead", "variables": {}, "response": {"data": None, "errors": [
                {"message": "Request timed out", "extensions": {"code": "REQUEST_TIMEOUT"}}]}},
            {"operation": "AuraHead", "variables": {}, "status": 200, "body": "<html>maintenance</html>"},
            head_exchange(),
        ]}
    files["lending.json"] = {
        "about": "after the latest checkpoint (1200), to 1210: the borrower borrows on Scallop (1203), a bystander "
                 "borrows on Navi (1205), the borrower repays on Navi (1207); every default lending event type read",
        "exchanges": [lent_head_exchange(), *credit_exchanges(lending_pages())]}
    files["lending_paged.json"] = {
        "about": "the same checkpoints from a service indexed to 1208 on Navi's types: Scallop's borrows over two "
                 "pages (a look-alike of another package, a malformed event, a borrow in 1209)",
        "exchanges": [lent_head_exchange(), *lending_paged_exchanges()]}
    files["restart.json"] = {
        "about": "after a restart: the stored fulfilment sent again unchanged, then read back final",
        "exchanges": [oracle_exchange(), execute_exchange(a), tx_status_exchange(a, "success")]}
    files["restart_dropped.json"] = {
        "about": "after a restart: the stored fulfilment's coin was used by another transaction; the request "
                 "is fulfilled already",
        "exchanges": [oracle_exchange(), execute_exchange(a, errors=[
            f"Object ID {COIN_LARGE.object_id} Version {COIN_LARGE.version} Digest {COIN_LARGE.digest} is not "
            f"available for consumption, current version: {COIN_LARGE.version + 3}"]),
            tx_status_exchange(a, "used-elsewhere"), status_exchange(REQ_A.request_id, request_value(REQ_A, 1))]}
    files["restart_dropped_pending.json"] = {
        "about": "after a restart: the stored fulfilment expired with its epoch; the request is still pending",
        "exchanges": [oracle_exchange(), execute_exchange(a, errors=["Transaction Expired"]),
                      tx_status_exchange(a, "unknown", epoch=EPOCH + 1),
                      status_exchange(REQ_A.request_id, request_value(REQ_A, 0))]}
    return files


def dump(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=1, sort_keys=True) + "\n"


def write() -> list[Path]:
    RECORDINGS.mkdir(exist_ok=True)
    written = []
    for name, content in build().items():
        path = RECORDINGS / name
        path.write_text(dump(content))
        written.append(path)
    return written
