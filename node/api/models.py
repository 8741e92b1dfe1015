"""The API's answers as pydantic models: what `/v1/openapi.json` describes and what every `/v1` route returns."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="stable snake_case code: what a client branches on")
    message: str = Field(description="what went wrong, for a person")


class ErrorBody(BaseModel):
    """Every error the API answers (4xx, 5xx)."""

    error: ErrorDetail


class Block(BaseModel):
    number: int = Field(description="block number (EVM), slot (Solana) or checkpoint sequence number (Sui)")
    hash: str


class SignedPayload(BaseModel):
    """What the enclave signed, exactly as it returned it: the fields common to every family, and the family's own
    (`typed_data` and `typed_data_ethers` on EVM, the payload on Solana, the BCS message on Sui) passed through
    untouched. Check it with the family's verifier and the signer registered on the chain, not with this node."""

    model_config = ConfigDict(extra="allow")

    digest: str = Field(description="what the signature is over")
    signature: str
    signer: str = Field(description="address of the enclave key that signed")
    measurement: str = Field(description="the enclave measurement the signer was registered with")
    commitment: str = Field(description="Poseidon commitment to the score (docs/protocol.md)")
    flags: int
    block_number: int = Field(description="the pinned block")
    block_hash: str
    features_hash: str = Field(description="keccak-256 of the canonical JSON of the features scored")
    timestamp: int
    expiry: int


class Cosigner(BaseModel):
    """Another operator's signature over the same payload, gathered by this node's quorum: its signer, its signature
    and whatever else of its enclave's answer differs from `signed` (a public key on Solana and Sui)."""

    model_config = ConfigDict(extra="allow")

    signer: str
    signature: str


class Assessment(BaseModel):
    """A subject's signed assessment for one request. Private (`private: true`): the score, tier, PD, dimensions
    and everything that explains them are null; the signed payload carries the commitment alone."""

    chain: str
    family: str
    subject: str
    request_key: str = Field(description="`<chain>:<request id>`, the node's name for the request")
    request_id: str
    request_tx: str = Field(description="the transaction that made the request (empty for an operator update)")
    fulfilment_tx: str | None = Field(description="this node's latest fulfilment of it, if sent")
    state: str = Field(description="the request's state in this node (see GET .../requests/{request_id})")
    private: bool
    operator_update: bool = Field(False, description="no request: a node's push of a watched wallet's moved re-score "
                                                     "(docs/protocol.md, \"Operator updates\")")
    block: Block = Field(description="the pinned block the assessment was computed at")
    features_hash: str
    features: dict[str, Any] | None = Field(description="the features scored, in wire form, when the node kept them")
    score: int | None = Field(description="0..1000; null when private")
    tier: int | None = Field(description="0 Basic, 1 Standard, 2 Premium; null when private")
    pd_bps: int | None = Field(description="probability of default in basis points; null when private")
    flags: int = Field(description="risk flags, a bit set (docs/protocol.md)")
    flag_names: list[str]
    dimensions: dict[str, int] | None = Field(description="the five scorecard dimensions; null when private")
    scorecard: int | None
    reasons: dict[str, Any] | None = Field(description="`risks` and `strengths`; null when private")
    intent_reasons: list[str] | None
    rules: list[str] | None = Field(description="ids of the risk rules that matched")
    terms: dict[str, Any] | None = Field(description="suggested loan terms; null when private")
    signed: SignedPayload
    cosigners: list[Cosigner] = Field(description="the other operators' signatures over `signed`'s digest that this "
                                                  "node's quorum gathered when it led the fulfilment (docs/quorum.md)"
                                                  "; empty for a node alone, or one that followed another's lead")
    scored_at: float = Field(description="unix seconds when this node signed it")


class AssessmentPage(BaseModel):
    items: list[Assessment] = Field(description="newest first")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class Chain(BaseModel):
    name: str = Field(description="the chain's name in this node's config: the `{chain}` of every other route")
    family: str = Field(description="evm, solana or sui")


class ChainList(BaseModel):
    chains: list[Chain]


class Transition(BaseModel):
    src: str = Field(description="empty for the first")
    dst: str
    at: float
    detail: str


class RequestStatus(BaseModel):
    """A request as this node holds it, with every state it went through."""

    chain: str
    family: str
    request_key: str
    request_id: str
    subject: str
    requester: str
    private: bool
    state: str
    reason: str
    block: Block = Field(description="the block holding the request (its pinned block)")
    request_tx: str
    fee: str = Field(description="in the chain's smallest unit, as a decimal string")
    expires_at: int
    fulfilment_tx: str | None
    fulfil_block: int | None
    assessed: bool = Field(description="whether this node holds a signed assessment for it")
    seen_at: float
    updated_at: float
    transitions: list[Transition] = Field(description="oldest first")


class Loan(BaseModel):
    """A loan the borrower asks about: the assessment then suggests terms for it."""

    model_config = ConfigDict(extra="forbid")

    amount: str = Field(pattern=r"^[1-9][0-9]{0,77}$", description="in the chain's smallest unit, a decimal string")
    duration_days: int = Field(ge=1, le=3650)


class OffchainAsk(BaseModel):
    """What an off-chain assessment may take besides the wallet."""

    model_config = ConfigDict(extra="forbid")

    loan: Loan | None = None
    questionnaire: str | None = Field(None, pattern=r"^0x[0-9a-fA-F]{64}$",
                                      description="the hash `POST /questionnaires` answered for the borrower's "
                                                  "questionnaire")


class OffchainAssessment(BaseModel):
    """An off-chain assessment (docs/protocol.md): signed under the domain `Aura off-chain assessment`, which no
    contract takes. Check `signed.typed_data` with any EIP-712 library against the enclave's registered signer."""

    chain: str
    subject: str
    request_id: str = Field(description="the enclave's own id for this subject and block (chains/core/offchain.py)")
    block: Block = Field(description="the finalized block the features were read at")
    score: int
    tier: int
    pd_bps: int
    flags: int
    flag_names: list[str]
    dimensions: dict[str, int]
    reasons: dict[str, Any]
    terms: dict[str, Any] | None
    moved: bool = Field(description="its score moved by the node's step or its tier changed since the one before")
    created_at: float
    signed: SignedPayload


class OffchainPage(BaseModel):
    items: list[OffchainAssessment] = Field(description="newest first")


class OpeningMessage(BaseModel):
    message: str = Field(description="the text the subject signs, in its chain's convention (docs/protocol.md, "
                                     "`open`); it expires 5 minutes after it was made")


class ProofAsk(BaseModel):
    """The subject's signed text, and the threshold and scope to prove for."""

    model_config = ConfigDict(extra="forbid")

    threshold: int = Field(ge=0, le=1000)
    scope: str = Field("0", pattern=r"^(0|[1-9][0-9]{0,76})$", description="the verifying protocol's scope, a decimal "
                                                                        "field element (the nullifier's)")
    message: str = Field(min_length=1, max_length=2048, description="the text GET .../opening-message gave")
    signature: str = Field(min_length=1, max_length=256, description="the subject's signature of it")


class OpeningAsk(BaseModel):
    """The subject's signed opening text."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=2048, description="the text GET .../opening-message gave")
    signature: str = Field(min_length=1, max_length=256, description="the subject's signature of it")


class Opening(BaseModel):
    """A request's assessment in full, for its subject alone (a private one's too): what the enclave scored and
    the opening of its commitment. With `blinding`, the subject proves thresholds itself (circuits/threshold.circom:
    `commitment = Poseidon(score, blinding, subject limbs)`)."""

    request_id: str
    subject: str
    private: bool
    score: int
    tier: int
    pd_bps: int
    flags: int
    flag_names: list[str]
    dimensions: dict[str, int] | None
    reasons: dict[str, Any] | None
    terms: dict[str, Any] | None
    commitment: str
    blinding: str = Field(description="the commitment's blinding, a field element in hex: keep it secret")


class ThresholdProof(BaseModel):
    """A Groth16 proof of circuits/threshold.circom that the committed score is at least `threshold`, in snarkjs'
    JSON, with the arguments of the request's chain's verifier (`calldata`)."""

    request_id: str
    subject: str
    threshold: int
    scope: str
    nullifier: str
    commitment: str
    proof: dict[str, Any]
    public_signals: list[str]
    calldata: dict[str, Any]


class ProofCheckAsk(BaseModel):
    """A threshold proof someone was shown, and the threshold and scope they rely on."""

    model_config = ConfigDict(extra="forbid")

    threshold: int = Field(ge=0, le=1000)
    scope: str = Field("0", pattern=r"^(0|[1-9][0-9]{0,76})$", description="the verifying protocol's scope, a decimal "
                                                                        "field element")
    proof: dict[str, Any] = Field(description="the Groth16 proof in snarkjs' JSON (`pi_a`, `pi_b`, `pi_c`, ...)")
    public_signals: list[str] = Field(max_length=16, description="snarkjs' public signals, in decimal: commitment, "
                                                                 "threshold, subject_hi, subject_lo, scope, "
                                                                 "nullifier")


class ProofCheckItem(BaseModel):
    check: str = Field(description="the check's name (docs/api.md)")
    ok: bool
    detail: str


class ProofCheck(BaseModel):
    """Whether the proof shows that this request's committed score is at least the threshold: `valid` when every
    check holds. The commitment is compared with the one this node signed; a contract's verifier compares it with
    the one its chain stores."""

    valid: bool
    request_id: str
    subject: str
    threshold: int
    scope: str
    nullifier: str = Field(description="the proof's nullifier: a protocol that lends once per assessment and scope "
                                       "remembers it")
    checks: list[ProofCheckItem]


class SignedCheckAsk(BaseModel):
    """A signed assessment someone was shown: its `signed` object as the API answers it (or the enclave's answer)."""

    model_config = ConfigDict(extra="forbid")

    signed: dict[str, Any] = Field(description="the signed payload: `digest`, `signature`, `signer` and the "
                                               "family's own (`typed_data`, `payload`, `intent_message`, ...)")


class SignedCheck(BaseModel):
    """Whether the signed assessment is one an enclave the chain's contract counts signed for a request of that
    chain (or off-chain, for it): `valid` when every check holds. `facts` are read from the signed payload itself."""

    valid: bool
    offchain: bool = Field(description="signed under the off-chain domain: no contract takes it")
    request_id: str
    subject: str
    signer: str
    signer_status: str | None = Field(description="the chain's contract's view of the signer with the payload's "
                                                  "measurement, read now: active, unregistered, revoked, "
                                                  "other_measurement; null where the chain cannot tell")
    facts: dict[str, Any]
    checks: list[ProofCheckItem] = Field(description="payload, signature, facts, request, signer")
