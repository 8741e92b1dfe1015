pragma circom 2.2.3;

// The score-threshold proof: the prover knows a score and a blinding that open the public commitment
// for the public subject, the score is at most 1000 and at least the public threshold, and the public nullifier
// is Poseidon(blinding, scope) for the public scope.
//
// Public (in this order, which is the order of snarkjs' public signals):
//   commitment   Poseidon(score, blinding, subject_hi, subject_lo), as the enclave writes it on chain
//   threshold    the score the verifying protocol asks for
//   subject_hi   the subject's address as a 256-bit big-endian number, bits 255..128 (EVM: bits 159..128)
//   subject_lo   bits 127..0
//   scope        chosen by the verifying protocol (e.g. its address): one nullifier per assessment and scope
//   nullifier    Poseidon(blinding, scope): the same assessment shown twice to one scope gives the same
//                nullifier, so a protocol that wants one-time use spends it; two scopes' nullifiers are unlinked
// Private:
//   score        0..1000
//   blinding     a field element the enclave derives and never stores in clear
//
// Every signal is constrained with `<==` or `===`. Both comparator inputs are range-checked to 10 bits with
// Num2Bits, because circomlib's LessThan(n) is sound only for inputs below 2^n. The subject limbs are public and
// computed by the verifier from the address it reads the commitment for, so they need no range check here.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";

template ScoreThreshold() {
    signal input commitment;
    signal input threshold;
    signal input subject_hi;
    signal input subject_lo;
    signal input scope;
    signal input nullifier;

    signal input score;
    signal input blinding;

    // 10 bits hold 0..1023: the range both comparators need.
    component scoreBits = Num2Bits(10);
    scoreBits.in <== score;
    component thresholdBits = Num2Bits(10);
    thresholdBits.in <== threshold;
    // The bits themselves are not needed: their existence is the range check.
    _ <== scoreBits.out;
    _ <== thresholdBits.out;

    component atMostMax = LessEqThan(10);
    atMostMax.in[0] <== score;
    atMostMax.in[1] <== 1000;
    atMostMax.out === 1;

    component clears = GreaterEqThan(10);
    clears.in[0] <== score;
    clears.in[1] <== threshold;
    clears.out === 1;

    component opening = Poseidon(4);
    opening.inputs[0] <== score;
    opening.inputs[1] <== blinding;
    opening.inputs[2] <== subject_hi;
    opening.inputs[3] <== subject_lo;
    opening.out === commitment;

    component spend = Poseidon(2);
    spend.inputs[0] <== blinding;
    spend.inputs[1] <== scope;
    spend.out === nullifier;
}

component main {public [commitment, threshold, subject_hi, subject_lo, scope, nullifier]} = ScoreThreshold();
