"""The gas budgets the events and views must fit (README, scripts/gas_report.py): a request <= 60,000, a lone
fulfilment overwriting a subject's assessment <= 55,000, a batch of the benchmark's mix <= 40,000 per request; fee
paid, EOA requester, whole transactions."""

from __future__ import annotations

from eth_account import Account

REQUEST_BUDGET, OVERWRITE_BUDGET, BATCHED_BUDGET = 60_000, 55_000, 40_000


def _request(chain, subject):
    receipt = chain.send(chain.oracle.functions.requestAssessment(subject, b""), chain.REQUESTER_KEY, chain.FEE)
    return chain.request_from(receipt), int(receipt["gasUsed"])


def test_a_request_and_a_lone_overwrite_fit(chain):
    subject = Account.create().address
    first, request_gas = _request(chain, subject)
    second, _ = _request(chain, subject)
    chain.fulfil(first)
    chain.mine_at(chain.now() + 1)  # a later timestamp: the second replaces the first
    assert request_gas <= REQUEST_BUDGET
    assert int(chain.fulfil(second)["gasUsed"]) <= OVERWRITE_BUDGET


def test_a_batch_of_the_benchmarks_mix_fits(chain):
    """As `make bench` sends them: every third request for one of four wallets assessed before, the others for
    fresh ones, fulfilled 30 to a batch."""
    assessed = [Account.create().address for _ in range(4)]
    for subject in assessed:
        chain.fulfil(_request(chain, subject)[0])
    chain.mine_at(chain.now() + 1)
    subjects = [assessed[i // 3 % 4] if i % 3 == 0 else Account.create().address for i in range(30)]
    reqs = [_request(chain, s)[0] for s in subjects]
    items = [chain.pin(r, chain.assessment()) for r in reqs]
    fn = chain.oracle.functions.fulfilBatch([r.tuple() for r in reqs], [a.tuple() for a in items],
                                            [chain.sig_arg(chain.sign(r, a)) for r, a in zip(reqs, items)])
    receipt = chain.send(fn, chain.TRANSMITTER_KEY, gas=10_000_000)
    assert chain.events(receipt, "FulfilmentSkipped") == []
    assert int(receipt["gasUsed"]) / len(reqs) <= BATCHED_BUDGET
