"""Tests of harness.netbench (the e1000 sink) and of the NIC options in harness.qemu."""

import socket
import struct
import unittest

from harness import netbench, qemu


def make_frame(stream: int, seq: int, length: int) -> bytes:
    """A frame as bench/netbench/frame.c writes it, checksum included."""
    head = bytes(6) + bytes.fromhex("525400123456") + struct.pack(">H", netbench.ETHERTYPE)
    head += struct.pack("<HQII", stream, seq, length, netbench.MAGIC) + bytes(8)
    payload = bytes((i * 7 + seq) & 0xff for i in range(length - netbench.HEADER))
    frame = bytearray(head + payload)
    struct.pack_into("<Q", frame, 32, netbench.frame_checksum(bytes(frame)))
    return bytes(frame)


class FrameTest(unittest.TestCase):
    """The checksum and header checks the guest's frames must pass."""

    def test_good_frames_pass(self):
        """Whole frames of every size netbench sends are accepted."""
        for length in (64, 512, 1500, 1514, 61):
            with self.subTest(length=length):
                self.assertTrue(netbench.frame_ok(make_frame(3, 9, length)))

    def test_checksum_ignores_its_own_word(self):
        """The checksum is computed with its own word taken as zero."""
        frame = make_frame(1, 0, 64)
        zeroed = frame[:32] + bytes(8) + frame[40:]
        self.assertEqual(netbench.frame_checksum(frame), netbench.frame_checksum(zeroed))

    def test_changes_are_caught(self):
        """A flipped bit, swapped words, a short frame or a wrong length fail."""
        frame = make_frame(1, 5, 512)
        flipped = bytearray(frame)
        flipped[300] ^= 1
        swapped = frame[:48] + frame[56:64] + frame[48:56] + frame[64:]
        for bad in (bytes(flipped), swapped, frame[:-1], frame[:30]):
            with self.subTest(length=len(bad)):
                self.assertFalse(netbench.frame_ok(bad))


class TallyTest(unittest.TestCase):
    """Per-stream counts: lost, late or duplicated, corrupted, stray."""

    def test_counts(self):
        """Every kind of trouble is counted, never ignored."""
        frames = [make_frame(1, s, 64) for s in (0, 1, 3, 2, 3)]
        broken = bytearray(make_frame(1, 4, 64))
        broken[50] ^= 0xff
        datagrams = [(float(i), f) for i, f in enumerate(frames + [bytes(broken), b"junk"])]
        streams, stray = netbench.tally(datagrams)
        s = streams[1]
        self.assertEqual((s.frames, s.lost, s.out_of_order, s.corrupted, stray), (5, 1, 2, 1, 1))
        self.assertEqual(s.rate(), 4 / 4.0)

    def test_compare_with_the_guest(self):
        """The sink's count must equal what the guest says it sent."""
        stream = netbench.Stream(frames=10, first=0.0, last=1.0, next_seq=10, bytes=640)
        result = {"case": "user/64B", "frames": 10, "frame_bytes": 64, "stream": 1}
        merged, problem = netbench.compare(result, stream)
        self.assertIsNone(problem)
        self.assertEqual(merged["sink_frames"], 10)
        _, problem = netbench.compare({**result, "frames": 12}, stream)
        self.assertIn("lost 2", problem)
        _, problem = netbench.compare(result, None)
        self.assertIn("saw none", problem)


class EchoTest(unittest.TestCase):
    """The sink's echo: which frames go back, and what they look like."""

    def test_echo_frame(self):
        """Addresses swapped, everything else kept, the checksum right again."""
        frame = make_frame(2, 7, 512)
        back = netbench.echo_frame(frame)
        self.assertTrue(netbench.frame_ok(back))
        self.assertEqual((back[:6], back[6:12]), (frame[6:12], frame[:6]))
        self.assertEqual(back[12:32] + back[40:], frame[12:32] + frame[40:])
        broken = bytearray(frame)
        broken[100] ^= 1
        self.assertFalse(netbench.frame_ok(netbench.echo_frame(bytes(broken))))

    def test_which_frames(self):
        """Every K-th sequence number of our frames; never stray datagrams."""
        self.assertEqual([netbench.echoed(make_frame(1, s, 64), 3) for s in range(5)],
                         [True, False, False, True, False])
        self.assertFalse(netbench.echoed(make_frame(1, 0, 64), 0))
        self.assertFalse(netbench.echoed(b"junk" * 20, 1))

    def test_sink_sends_back(self):
        """A frame sent to an echoing sink comes back to its sender, checked and kept."""
        with netbench.Sink(echo=2) as sink, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as guest:
            guest.settimeout(5)
            for seq in (0, 1, 2):
                guest.sendto(make_frame(4, seq, 64), ("127.0.0.1", sink.port))
            back = [guest.recv(2048) for _ in range(2)]
        self.assertEqual([netbench.read_header(f).seq for f in back], [0, 2])
        self.assertTrue(all(map(netbench.frame_ok, back)))
        self.assertEqual((len(sink.datagrams), sink.echoed), (3, 2))


class NicArgsTest(unittest.TestCase):
    """Device modules and the NIC are added only for boots that run them."""

    def test_untouched_without_device_modules(self):
        """run=bench: the command line stays as it was."""
        self.assertEqual(qemu.device_args("l4", "run=bench unit=tsc", "x"), ("x", []))

    def test_loop_and_udp(self):
        """nic=loop gets an e1000 on a closed user network, nic=udp:P a socket to P."""
        initrd, nic = qemu.device_args("l4", "run=netbench nic=loop", "x")
        self.assertTrue(initrd.startswith("x,"))
        for module in qemu.DEVICE_MODULES:
            self.assertIn(f"{module}.elf {module}", initrd)
        self.assertIn("e1000,netdev=n0", nic)
        _, nic = qemu.device_args("l4", "run=ktest,devtest nic=udp:5555", "x")
        self.assertIn("socket,id=n0,udp=127.0.0.1:5555,localaddr=127.0.0.1:0", nic)
        _, nic = qemu.device_args("l4", "run=devtest", "x")
        self.assertEqual(nic, [])


if __name__ == "__main__":
    unittest.main()


class StoredRunTest(unittest.TestCase):
    """The run netbench stores under results/runs."""

    def test_mode_and_failures(self):
        """Mode e1000-<mode>, never a plain timing mode; failed presets named."""
        from harness import runs
        info = runs.HostInfo("box", "cpu", "7.2", "abc", False)
        ok = netbench.PresetRun("l4", [{"bench": "e1000", "case": "user/64B", "variant": "l4",
                                         "unit": "instructions", "frames_per_s": 5}])
        bad = netbench.PresetRun("mach", [], ["boot failed"])
        run = netbench.make_run([ok, bad], "icount", "loop", info, "2026-01-02T03:04:05+00:00")
        self.assertEqual(run.meta["mode"], "e1000-icount")
        self.assertEqual((run.meta["unit"], run.meta["accel"]), ("instructions", "tcg"))
        self.assertEqual(run.meta["failed"], {"mach": "boot failed"})
        self.assertEqual(len(run.results), 1)
        self.assertEqual(runs.run_name(run.meta), "20260102-030405-box-e1000-icount.json")


class TableTest(unittest.TestCase):
    def test_units_and_rate_basis_are_said(self):
        result = {"case": "user/64B", "frames": 10, "instructions_per_frame": 368,
                  "unit": "instructions", "frames_per_s": 2713460, "mbit_per_s": "1389.291",
                  "rate_basis": "guest virtual time under icount: bounded by the emulator, "
                                "not a hardware rate"}
        run = netbench.PresetRun("l4", [result], [])
        lines = netbench.table([run], peer=False)
        self.assertIn("2713460", lines[1])
        self.assertEqual(lines[-1], "per frame, driver: instructions per frame; frames/s, "
                                    "Mbit/s: guest virtual time under icount: bounded by the "
                                    "emulator, not a hardware rate")
        self.assertEqual(netbench.table([], peer=True)[1:], [])
