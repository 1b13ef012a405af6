"""The AK4619VN register set-up of docs/audio.md ("Codec set-up"), one auto-increment write from register 0x00.

The table is the doc's, byte for byte; the two rates differ only in register
0x01 (SDOPH = 1 at 192 kHz: BICK is above 12.288 MHz, the codec launches SDOUT1
half a BICK earlier) and 0x03 (FS: MCLK = 256 fs at 48 kHz, 128 fs at 192 kHz).
"""
from __future__ import annotations

AK4619_ADDRESS = 0x10  # 7-bit, CAD pins as on the eurorack-pmod
REGISTER_COUNT = 0x15  # registers 0x00-0x14

# register: (48 kHz, 192 kHz)
_TABLE: dict[int, tuple[int, int]] = {
    0x00: (0x37, 0x37),  # ADC1, ADC2, DAC1, DAC2 powered; RSTN = 1
    0x01: (0xAE, 0xAF),  # TDM = 1, DCF = 010 (TDM128 I2S), DSL = 11 (32-bit slots), BCKP = 1, SDOPH = 0 / 1
    0x02: (0x1C, 0x1C),  # SLOT = 1 (slot-length basis), DIDL = 11, DODL = 00 (24-bit SDOUT)
    0x03: (0x00, 0x04),  # FS: MCLK = 256 fs, fs <= 48 kHz / MCLK = 128 fs, fs = 192 kHz
    0x04: (0x22, 0x22),  # microphone amplifiers 0 dB
    0x05: (0x22, 0x22),
    0x06: (0x30, 0x30),  # ADC volumes 0 dB
    0x07: (0x30, 0x30),
    0x08: (0x30, 0x30),
    0x09: (0x30, 0x30),
    0x0A: (0x22, 0x22),  # ADC filters: short delay
    0x0B: (0x55, 0x55),  # ADC input mode
    0x0C: (0x00, 0x00),  # reserved
    0x0D: (0x06, 0x06),  # AD1HPFN = AD2HPFN = 1: no DC-cancelling high-pass (control voltages stay DC)
    0x0E: (0x18, 0x18),  # DAC volumes 0 dB
    0x0F: (0x18, 0x18),
    0x10: (0x18, 0x18),
    0x11: (0x18, 0x18),
    0x12: (0x04, 0x04),  # DAC input select
    0x13: (0x05, 0x05),  # de-emphasis off
    0x14: (0x0A, 0x0A),  # DAC filters
}
SAMPLE_RATES = (48000, 192000)


def setup_registers(fs_hz: int) -> bytes:
    """Registers 0x00-0x14, in order, for `fs_hz` (48000 or 192000; ValueError for any other rate)."""
    if fs_hz not in SAMPLE_RATES:
        raise ValueError(f"AK4619 set-up: fs_hz={fs_hz} is not supported; the table has {SAMPLE_RATES}")
    column = SAMPLE_RATES.index(fs_hz)
    return bytes(_TABLE[register][column] for register in range(REGISTER_COUNT))
