"""FrameCrossing: the one clock-domain crossing of the audio top (docs/audio.md, "Clocks").

A vector written once per frame in one domain appears, with a one-cycle strobe,
in the other. Only registers cross between the domains:

* source: on `i_stb` the vector goes into the holding register `held` and the
  toggle `sent` flips;
* target: `sent` passes a two-flop FFSynchronizer; when its output differs from
  `taken` (the last toggle value taken), the target loads `held` into `o_data`,
  raises `o_stb` for that cycle and copies the toggle into `taken`;
* back: `taken` is the acknowledge. It passes a second FFSynchronizer into the
  source, which knows a vector is still in flight while `sent` differs from it.

`held` is multi-bit but needs no synchroniser: it is written only while nothing
is in flight and stays put until the target has taken it, so the target's
load never sees it change. That is what the minimum strobe interval buys (see
`min_interval`). A strobe that arrives while the previous vector is still in
flight is refused (the held vector is not overwritten, so what arrives is never
a mix of two vectors) and raises the sticky `too_fast` flag: an overrun is
visible, never silent corruption.

Resets: the handshake state (`held`, `sent`, `taken`, both synchronisers) has no
reset, only its power-on value, so either side may be reset on its own (the
board's button resets the network's domain, not the audio domain) without a
spurious, repeated or lost-forever strobe. A source reset clears `too_fast`; a
target reset clears `o_data`/`o_stb`, and a vector whose toggle arrives while the
target is in reset is acknowledged and dropped.
"""
from __future__ import annotations

import math
from fractions import Fraction

from amaranth import Elaboratable, Module, Signal
from amaranth.lib.cdc import FFSynchronizer

SYNC_STAGES = 2  # flip-flops in each synchroniser
MARGIN_SOURCE_CYCLES = 1  # for clock jitter and the skew of the toggle's path into the first stage


def min_interval(source_hz: float, target_hz: float, stages: int = SYNC_STAGES) -> int:
    """The fewest source cycles between two `i_stb` that FrameCrossing accepts without `too_fast`.

    A toggle flipped at source edge 0 is taken by the target at most `stages + 2`
    target cycles later: the first target edge may miss it (setup, or a metastable
    first stage settling to the old value), then the `stages` flip-flops, then
    the edge that loads `o_data`. The acknowledge then needs at most `stages + 2`
    source edges before a new `i_stb` is accepted: one that may miss it, the
    stages, and the edge that samples the new `i_stb`. Plus a margin for jitter.
    The data path alone needs only the forward part (the held vector must not
    change before the target's load), so an interval that avoids `too_fast`
    also keeps the vector intact.
    """
    if source_hz <= 0 or target_hz <= 0:
        raise ValueError(f"min_interval: clock frequencies must be positive, got source_hz={source_hz}, "
                         f"target_hz={target_hz}")
    if stages < 2:
        raise ValueError(f"min_interval: stages={stages}; a synchroniser needs at least 2")
    forward = Fraction(stages + 2) * Fraction(source_hz) / Fraction(target_hz)  # in source cycles
    return math.ceil(forward) + stages + 2 + MARGIN_SOURCE_CYCLES


class FrameCrossing(Elaboratable):
    """A vector written once per frame in domain `source` appears, with a one-cycle strobe, in domain `target`.

    Source-domain ports: `i_data` (width), `i_stb` (one cycle per vector), `too_fast`
    (sticky: an `i_stb` came while the previous vector was still in flight; that
    strobe's vector was dropped). Target-domain ports: `o_data` (width, a register,
    held until the next vector), `o_stb` (one cycle, with the new `o_data`).

    Requirement: consecutive `i_stb` at least `min_interval(source_hz, target_hz)`
    source cycles apart (a handful of cycles: 7 from 49.152 MHz into 147.5 MHz, 21
    from 49.152 into 12.288 MHz). The audio path sends one vector per frame, 256
    audio cycles, far more in both directions.
    """

    def __init__(self, width: int, source: str, target: str):
        if width < 1:
            raise ValueError(f"FrameCrossing: width={width}, must be at least 1")
        if source == target:
            raise ValueError(f"FrameCrossing: source and target are the same domain {source!r}; no crossing needed")
        self.width = width
        self.source = source
        self.target = target
        # source domain
        self.i_data = Signal(width)
        self.i_stb = Signal()
        self.too_fast = Signal()
        # target domain
        self.o_data = Signal(width)
        self.o_stb = Signal()

    def elaborate(self, platform) -> Module:
        m = Module()
        src, tgt = m.d[self.source], m.d[self.target]

        held = Signal(self.width, reset_less=True)  # the vector in flight; written only while nothing is
        sent = Signal(reset_less=True)  # flips with each vector accepted (source)
        taken = Signal(reset_less=True)  # the toggle value the target has taken: the acknowledge (target)
        sent_seen = Signal()  # `sent` in the target domain
        taken_seen = Signal()  # `taken` in the source domain
        m.submodules.sync_sent = FFSynchronizer(sent, sent_seen, o_domain=self.target, stages=SYNC_STAGES)
        m.submodules.sync_taken = FFSynchronizer(taken, taken_seen, o_domain=self.source, stages=SYNC_STAGES)

        # --- source: accept a vector only when the last one has been acknowledged -------------
        in_flight = Signal()
        m.d.comb += in_flight.eq(sent != taken_seen)
        with m.If(self.i_stb):
            with m.If(in_flight):
                src += self.too_fast.eq(1)
            with m.Else():
                src += [held.eq(self.i_data), sent.eq(~sent)]

        # --- target: take the held vector one cycle after the toggle is seen to change --------
        tgt += self.o_stb.eq(0)
        with m.If(sent_seen != taken):
            tgt += [self.o_data.eq(held), self.o_stb.eq(1), taken.eq(sent_seen)]
        return m
