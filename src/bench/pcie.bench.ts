/**
 * PCI Express and VT-d hot paths: config reads through ECAM routing (what every lspci and
 * every driver probe costs the model) and DMA address translation through the VT-d
 * tables (what every modelled DMA costs). Both walk real structures; no caching.
 */
import { Passthrough } from "../hw/iommu/pci-passthrough.js";
import { PciMachine } from "../hw/pci/pci-machine.js";
import { Rng } from "../kernel/rng.js";
import type { Bench } from "./bench-types.js";

function timed(n: number, body: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 100_000); i++) body(i); // warm up the JIT
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export const pciEcamRead: Bench = {
  name: "pci.ecam.read",
  cases: [{ vfs: 0 }, { vfs: 7 }],
  run(params) {
    const m = PciMachine.build({
      host: "ioh5520",
      ecamBase: 0xe0000000,
      devices: [
        {
          model: "root-port",
          device: 1,
          name: "rp1",
          child: { model: "igb-82576", name: "nic0", vfs: Number(params.vfs) },
        },
        {
          model: "root-port",
          device: 3,
          name: "rp3",
          child: {
            model: "switch",
            name: "sw0",
            ports: [{ name: "dp0", child: { model: "nvme", name: "ssd0" } }],
          },
        },
      ],
    });
    const fns = m.topo.all();
    const addrs = new Float64Array(4096);
    const rng = Rng.stream(1, "ecam");
    for (let i = 0; i < addrs.length; i++) {
      const f = fns[Math.floor(rng.next() * fns.length)];
      addrs[i] = m.ecam.address(f.bdf >> 8, f.bdf & 0xff, Math.floor(rng.next() * 1024) * 4);
    }
    let sink = 0;
    const rate = timed(2_000_000, (i) => {
      sink ^= m.ecam.read(addrs[i & 4095], 4);
    });
    if (sink === 0.5) throw new Error("unreachable");
    return [{ metric: "config_reads_per_s", value: Math.round(rate), unit: "1/s" }];
  },
};

export const vtdTranslate: Bench = {
  name: "vtd.translate",
  cases: [{ guest_mib: 64 }, { guest_mib: 512 }],
  run(params) {
    const pt = new Passthrough(4 * 2 ** 30);
    const mib = Number(params.guest_mib);
    const t0 = process.hrtime.bigint();
    pt.addDomain(1, "g", mib * 2 ** 20);
    const mapSecs = Number(process.hrtime.bigint() - t0) / 1e9;
    pt.addDevice(0x0180);
    pt.assign(0x0180, 1);
    const rng = Rng.stream(1, "dma");
    const addrs = new Float64Array(4096);
    for (let i = 0; i < addrs.length; i++) addrs[i] = Math.floor(rng.next() * mib * 256) * 4096 + 64;
    let sink = 0;
    const rate = timed(1_000_000, (i) => {
      const r = pt.unit.translate(0x0180, addrs[i & 4095], true);
      if (r.ok) sink += 1;
    });
    if (sink === 0) throw new Error("no translation succeeded");
    return [
      { metric: "translations_per_s", value: Math.round(rate), unit: "1/s" },
      { metric: "map_pages_per_s", value: Math.round((mib * 256) / mapSecs), unit: "1/s" },
    ];
  },
};
