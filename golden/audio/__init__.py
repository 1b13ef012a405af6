"""The eurorack-pmod audio path of docs/audio.md as golden models.

`channel_map` reads and checks the channel map (one YAML file per build; the
seeds' map, `seeds_map.yaml`, is the default); `mapping` is its arithmetic and
`PmodPath`, the frame-by-frame model the FPGA's audio path is checked against
word for word.
"""
