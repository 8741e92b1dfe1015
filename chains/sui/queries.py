"""The GraphQL documents the Sui adapter sends, one named operation each.

They are written against Sui's GraphQL service schema (`sui-indexer-alt-graphql`, the schema pysui 1.5.1's
own start-up query is written for). `tests/recorded_sui_graphql` validates every one of them, and every
recorded answer, against that schema.
"""

from __future__ import annotations

HEAD = """
query AuraHead {
  checkpoint {
    sequenceNumber
    timestamp
    digest
  }
}
"""

ORACLE = """
query AuraOracle($oracle: SuiAddress!, $package: SuiAddress!) {
  object(address: $oracle) {
    address
    version
    owner {
      __typename
      ... on Shared {
        initialSharedVersion
      }
    }
    asMoveObject {
      contents {
        type {
          repr
        }
      }
    }
  }
  package(address: $package) {
    address
    module(name: "oracle") {
      name
      function(name: "fulfil") {
        name
      }
    }
  }
}
"""

# The oracle object's fields as the service renders the Move struct: its quorum `threshold` among them.
THRESHOLD = """
query AuraThreshold($oracle: SuiAddress!) {
  object(address: $oracle) {
    asMoveObject {
      contents {
        type {
          repr
        }
        json
      }
    }
  }
}
"""

# One page of one event type's events (chains/sui/event_window.py), with the latest checkpoint the service has
# indexed: what the request poll (`AssessmentRequested`) and the lending reader (chains/sui/credit_events.py) read.
EVENTS = """
query AuraEvents($type: String!, $afterCheckpoint: UInt53, $beforeCheckpoint: UInt53!, $first: Int!,
                 $cursor: String) {
  checkpoint {
    sequenceNumber
  }
  events(first: $first, after: $cursor,
         filter: {type: $type, afterCheckpoint: $afterCheckpoint, beforeCheckpoint: $beforeCheckpoint}) {
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      sequenceNumber
      contents {
        type {
          repr
        }
        json
      }
      transaction {
        digest
        effects {
          checkpoint {
            sequenceNumber
            digest
          }
        }
      }
    }
  }
}
"""

TRANSACTION_CHECKPOINT = """
query AuraTransactionCheckpoint($digest: String!) {
  transactionEffects(digest: $digest) {
    status
    checkpoint {
      sequenceNumber
      digest
    }
  }
}
"""

# The checkpoint an assessment of a request is pinned to: the one holding the request's transaction, read by its
# number (it stays readable when the transaction itself has been pruned from the service).
PINNED = """
query AuraPinned($digest: String!, $checkpoint: UInt53!) {
  transactionEffects(digest: $digest) {
    checkpoint {
      sequenceNumber
    }
  }
  checkpoint(sequenceNumber: $checkpoint) {
    sequenceNumber
    digest
    timestamp
  }
}
"""

# A dynamic field's Move value: its type and its JSON (a request, a fulfilment record, an enclave).
FIELD_VALUE = """
fragment AuraFieldValue on DynamicField {
  value {
    __typename
    ... on MoveValue {
      type {
        repr
      }
      json
    }
  }
}
"""

REQUEST_STATUS = """
query AuraRequestStatus($oracle: SuiAddress!, $name: DynamicFieldName!) {
  object(address: $oracle) {
    dynamicField(name: $name) {
      ...AuraFieldValue
    }
  }
}
"""

FEATURES = """
query AuraFeatures($subject: SuiAddress!, $at: UInt53!, $first: Int!, $cursor: String) {
  checkpoint(sequenceNumber: $at) {
    sequenceNumber
    digest
    query {
      address(address: $subject) {
        balance(coinType: "0x2::sui::SUI") {
          totalBalance
        }
      }
      transactions(first: $first, after: $cursor, filter: {affectedAddress: $subject}) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          digest
          effects {
            timestamp
          }
        }
      }
    }
  }
}
"""

GAS = """
query AuraGas($owner: SuiAddress!, $coinType: String!, $first: Int!) {
  epoch {
    epochId
    referenceGasPrice
  }
  address(address: $owner) {
    objects(first: $first, filter: {type: $coinType}) {
      nodes {
        address
        version
        digest
        contents {
          json
        }
      }
    }
  }
}
"""

# What a transaction's effects say of its outcome: status, gas, and the Move abort if any.
OUTCOME = """
fragment AuraOutcome on TransactionEffects {
  status
  gasEffects {
    gasSummary {
      computationCost
      storageCost
      storageRebate
      nonRefundableStorageFee
    }
  }
  executionError {
    abortCode
    identifier
    message
    module {
      name
      package {
        address
      }
    }
  }
}
"""

SIMULATE = """
query AuraSimulate($transaction: JSON!) {
  simulateTransaction(transaction: $transaction) {
    error
    effects {
      ...AuraOutcome
    }
  }
}
"""

EXECUTE = """
mutation AuraExecute($transactionDataBcs: Base64!, $signatures: [Base64!]!) {
  executeTransaction(transactionDataBcs: $transactionDataBcs, signatures: $signatures) {
    errors
    effects {
      digest
      status
    }
  }
}
"""

STATUS = """
query AuraStatus($digest: String!, $coin: SuiAddress!, $version: UInt53!) {
  epoch {
    epochId
  }
  transactionEffects(digest: $digest) {
    digest
    checkpoint {
      sequenceNumber
    }
    ...AuraOutcome
    events(first: 10) {
      nodes {
        contents {
          type {
            repr
          }
          json
        }
      }
    }
  }
  objectVersions(address: $coin, first: 1, filter: {afterVersion: $version}) {
    nodes {
      version
      previousTransaction {
        digest
      }
    }
  }
}
"""

# The request's `Request` record: its status, the transaction that last changed it (the one that settled it)
# and, from its oldest version, the transaction that made it. A record changes exactly twice: made, settled.
FULFILMENT = """
query AuraFulfilment($oracle: SuiAddress!, $name: DynamicFieldName!) {
  object(address: $oracle) {
    dynamicField(name: $name) {
      ...AuraFieldValue
      previousTransaction {
        ...AuraEventsOf
      }
      objectVersionsBefore(first: 1) {
        nodes {
          previousTransaction {
            ...AuraEventsOf
          }
        }
      }
    }
  }
}
"""

EVENTS_OF = """
fragment AuraEventsOf on Transaction {
  digest
  effects {
    status
    checkpoint {
      sequenceNumber
      digest
    }
    events(first: 50) {
      nodes {
        contents {
          type {
            repr
          }
          json
        }
      }
    }
  }
}
"""

# The package's `EnclaveRegistered` events, page by page: where the public key of a signer known by its address is
# found (the registry is keyed by the key).
REGISTRATIONS = """
query AuraRegistrations($type: String!, $first: Int!, $cursor: String) {
  events(first: $first, after: $cursor, filter: {type: $type}) {
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      contents {
        type {
          repr
        }
        json
      }
    }
  }
}
"""

# The `Enclave` record under the oracle, keyed by `EnclaveKey { public_key }`.
ENCLAVE = """
query AuraEnclave($oracle: SuiAddress!, $name: DynamicFieldName!) {
  object(address: $oracle) {
    dynamicField(name: $name) {
      ...AuraFieldValue
    }
  }
}
"""

BALANCE = """
query AuraBalance($owner: SuiAddress!) {
  address(address: $owner) {
    balance(coinType: "0x2::sui::SUI") {
      totalBalance
    }
  }
}
"""

ALL: dict[str, str] = {
    "AuraHead": HEAD,
    "AuraOracle": ORACLE,
    "AuraThreshold": THRESHOLD,
    "AuraEvents": EVENTS,
    "AuraTransactionCheckpoint": TRANSACTION_CHECKPOINT,
    "AuraPinned": PINNED,
    "AuraRequestStatus": REQUEST_STATUS + FIELD_VALUE,
    "AuraFeatures": FEATURES,
    "AuraGas": GAS,
    "AuraSimulate": SIMULATE + OUTCOME,
    "AuraExecute": EXECUTE,
    "AuraStatus": STATUS + OUTCOME,
    "AuraFulfilment": FULFILMENT + FIELD_VALUE + EVENTS_OF,
    "AuraRegistrations": REGISTRATIONS,
    "AuraEnclave": ENCLAVE + FIELD_VALUE,
    "AuraBalance": BALANCE,
}
