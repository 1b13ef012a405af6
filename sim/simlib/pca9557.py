"""The eurorack-pmod's jack detector, an NXP/TI PCA9557 I/O expander, as an I2C target (no simulator).

Facts from the PCA9557 datasheet: address 0011 A2 A1 A0 (0x18 on the pmod,
A2..A0 = 000); a write's first data byte is the command byte (0000 00 D1 D0:
the pointer to one of four registers), and the register it names keeps being
accessed by reads until a new command byte arrives, so a read is "write the
command byte, then repeated START (or STOP, START) and read", and every byte
of a longer read returns the same register again.

| reg | name | access | power-up |
|---|---|---|---|
| 0 | input port | read only (writes have no effect) | the pins |
| 1 | output port | read/write | 0x00 |
| 2 | polarity inversion | read/write | 0xF0 |
| 3 | configuration | read/write (1 = input) | 0xFF |

The input port register reflects the pins' levels whether they are inputs or
outputs; a polarity bit inverts it for pins configured as inputs.

**The default polarity register is 0xF0**: bits 4-7 of the input port read
inverted relative to the pins, bits 0-3 read as the pins. So with the
power-up registers, `jack = 0x0F` (pins 0-3 high) reads back 0xFF and
`jack = 0xFF` reads back 0x0F; a gateware that wants the pin levels of bits
4-7 must write polarity 0x00 first or invert those bits itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from simlib.i2c_target import format_time

PCA9557_ADDRESS = 0x18
INPUT_PORT, OUTPUT_PORT, POLARITY, CONFIGURATION = 0, 1, 2, 3
POWER_UP = {OUTPUT_PORT: 0x00, POLARITY: 0xF0, CONFIGURATION: 0xFF}


class Pca9557Error(AssertionError):
    """The master did something the PCA9557 datasheet does not define."""


@dataclass
class Pca9557:
    """The PCA9557 register file behind the `simlib.i2c_target.I2cTarget` interface.

    `jack` holds the 8 pin levels (bit = 1: the pin is high; on the pmod,
    a plug is in); benches may change it at any time. Writes are recorded in
    `writes` as (register, value).
    """

    jack: int = 0x0F
    address: int = PCA9557_ADDRESS
    registers: dict[int, int] = field(default_factory=lambda: dict(POWER_UP))
    pointer: int = INPUT_PORT
    writes: list[tuple[int, int]] = field(default_factory=list)
    _data_bytes: int = 0  # data bytes of the current write transfer (the first is the command byte)

    @property
    def pins(self) -> int:
        """The pin levels: an output pin shows the output port bit, an input pin the outside world (`jack`)."""
        config = self.registers[CONFIGURATION]
        return ((self.jack & config) | (self.registers[OUTPUT_PORT] & ~config)) & 0xFF

    @property
    def input_port(self) -> int:
        """Register 0: the pins, inverted where the polarity register says so (input pins only)."""
        return (self.pins ^ (self.registers[POLARITY] & self.registers[CONFIGURATION])) & 0xFF

    def read_register(self, register: int) -> int:
        return self.input_port if register == INPUT_PORT else self.registers[register]

    # -- I2cTarget ----------------------------------------------------------------------------------

    def on_address(self, time_ps: int, read: bool, start_ps: int) -> bool:
        self._data_bytes = 0
        return True

    def on_write(self, time_ps: int, byte: int) -> bool:
        self._data_bytes += 1
        if self._data_bytes == 1:
            if byte & ~0x03:
                raise Pca9557Error(f"PCA9557 at {format_time(time_ps)}: command byte 0x{byte:02X}; only "
                                   f"0x00-0x03 exist (bits 7-2 of the command byte are 0)")
            self.pointer = byte
            return True
        if self._data_bytes > 2:
            raise Pca9557Error(f"PCA9557 at {format_time(time_ps)}: data byte {self._data_bytes - 1} in one write "
                               f"transfer; the model supports one data byte after the command byte")
        self.writes.append((self.pointer, byte))
        if self.pointer != INPUT_PORT:  # the input port is read only: writes have no effect
            self.registers[self.pointer] = byte
        return True

    def on_read(self, time_ps: int) -> int:
        return self.read_register(self.pointer)

    def on_end(self, time_ps: int, stop: bool) -> None:
        self._data_bytes = 0
