/**
 * The real pciutils `lspci -F <dump> -vvv` reads our dumps: every capability the model
 * offers must decode as intended (pciutils 3.9; scripts/apt-packages.txt installs it).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { formatLspciDump } from "./lspci-dump.js";
import { PciMachine } from "./pci-machine.js";
import type { PciMachineSpec } from "./pci-machine-spec.js";
import { injectAerError } from "./pcie-aer.js";

const SPEC: PciMachineSpec = {
  host: "ioh5520",
  ecamBase: 0xe0000000,
  devices: [
    {
      model: "root-port",
      device: 1,
      name: "rp1",
      slot: 1,
      hotplug: true,
      child: { model: "igb-82576", name: "nic0", vfs: 2 },
    },
    {
      model: "root-port",
      device: 3,
      name: "rp3",
      child: {
        model: "switch",
        name: "sw0",
        ports: [
          { name: "dp0", slot: 4, hotplug: true, child: { model: "nvme", name: "ssd0" } },
          { name: "dp1", slot: 5, hotplug: true },
        ],
      },
    },
  ],
};

function lspci(m: PciMachine): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "lspci-"));
  const file = join(dir, "dump.txt");
  writeFileSync(
    file,
    formatLspciDump(m.topo.all().map((f) => ({ bdf: f.bdf, description: f.description, bytes: f.cfg.data }))),
  );
  const out = execFileSync("lspci", ["-F", file, "-vvv"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const byDev = new Map<string, string>();
  for (const block of out.split(/\n\n+/)) {
    const slot = block.slice(0, 7);
    if (/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(slot)) byDev.set(slot, block);
  }
  return byDev;
}

let booted: Map<string, string>;

beforeAll(() => {
  if (spawnSync("sh", ["-c", "command -v lspci"]).status !== 0)
    throw new Error("lspci missing: run npm test (scripts/test-setup.mjs installs pciutils)");
  booted = lspci(PciMachine.build(SPEC));
});

describe("lspci -F reads xenlab pci dumps", () => {
  it("lists every function with the names pci.ids gives our ids", () => {
    expect([...booted.keys()]).toEqual([
      "00:00.0",
      "00:01.0",
      "00:03.0",
      "01:00.0",
      "01:00.1",
      "01:10.0",
      "01:10.1",
      "01:10.2",
      "01:10.3",
      "02:00.0",
      "03:00.0",
      "03:01.0",
      "04:00.0",
    ]);
    expect(booted.get("01:00.0")).toMatch(/82576 Gigabit Network Connection/);
    expect(booted.get("00:01.0")).toMatch(/5520\/5500\/X58 I\/O Hub PCI Express Root Port/);
    expect(booted.get("02:00.0")).toMatch(/XIO3130 PCI Express Switch \(Upstream\)/);
  });

  it("decodes the root port's bridge windows, PCIe slot with hot-plug bits, AER root registers and ACS", () => {
    const rp = booted.get("00:01.0")!;
    expect(rp).toMatch(/Bus: primary=00, secondary=01, subordinate=01/);
    expect(rp).toMatch(/Memory behind bridge: [0-9a-f]+-[0-9a-f]+ \[size=\d+M\]/);
    expect(rp).toMatch(/Express \(v2\) Root Port \(Slot\+\), MSI 00/);
    expect(rp).toMatch(/SltCap:\tAttnBtn\+ PwrCtrl\+ MRL- AttnInd\+ PwrInd\+ HotPlug\+ Surprise-/);
    expect(rp).toMatch(/Slot #1, PowerLimit 25W/);
    expect(rp).toMatch(/SltCtl:\tEnable: AttnBtn\+ PwrFlt\+ MRL- PresDet\+ CmdCplt\+ HPIrq\+ LinkChg\+/);
    expect(rp).toMatch(/SltSta:\tStatus: AttnBtn- PowerFlt- MRL- CmdCplt- PresDet\+/);
    expect(rp).toMatch(/LLActRep\+/);
    expect(rp).toMatch(/DLActive\+/);
    expect(rp).toMatch(/DevCtl2:.*ARIFwd\+/);
    expect(rp).toMatch(/\[100 v1\] Advanced Error Reporting/);
    expect(rp).toMatch(/RootCmd: CERptEn\+ NFERptEn\+ FERptEn\+/);
    expect(rp).toMatch(
      /\[148 v1\] Access Control Services\n\t\tACSCap:\tSrcValid\+ TransBlk- ReqRedir\+ CmpltRedir\+ UpstreamFwd\+/,
    );
    expect(rp).toMatch(/BridgeCtl: Parity- SERR\+/);
  });

  it("decodes the 82576 PF: PM, MSI, MSI-X in BAR3, PCIe with FLR, AER, DSN, ARI and SR-IOV", () => {
    const pf = booted.get("01:00.0")!;
    expect(pf).toMatch(/Region 0: Memory at [0-9a-f]+ \(32-bit, non-prefetchable\)/);
    expect(pf).toMatch(/Region 2: I\/O ports at [0-9a-f]+/);
    expect(pf).toMatch(/\[40\] Power Management version 3/);
    expect(pf).toMatch(/\[50\] MSI: Enable- Count=1\/1 Maskable\+ 64bit\+/);
    expect(pf).toMatch(
      /\[70\] MSI-X: Enable- Count=10 Masked-\n\t\tVector table: BAR=3 offset=00000000\n\t\tPBA: BAR=3 offset=00002000/,
    );
    expect(pf).toMatch(/\[a0\] Express \(v2\) Endpoint, MSI 00/);
    expect(pf).toMatch(/FLReset\+/);
    expect(pf).toMatch(/\[100 v1\] Advanced Error Reporting/);
    expect(pf).toMatch(/\[140 v1\] Device Serial Number 00-1b-21-ff-fe-3a-5c-00/);
    expect(pf).toMatch(
      /\[150 v1\] Alternative Routing-ID Interpretation \(ARI\)\n\t\tARICap:\tMFVC- ACS-, Next Function: 1/,
    );
    expect(pf).toMatch(/\[160 v1\] Single Root I\/O Virtualization \(SR-IOV\)/);
    expect(pf).toMatch(/IOVCtl:\tEnable\+ Migration- Interrupt- MSE\+ ARIHierarchy\+/);
    expect(pf).toMatch(/Initial VFs: 8, Total VFs: 8, Number of VFs: 2, Function Dependency Link: 00/);
    expect(pf).toMatch(/VF offset: 128, stride: 2, Device ID: 10ca/);
    expect(pf).toMatch(/Supported Page Size: 00000553, System Page Size: 00000001/);
    expect(pf).toMatch(/Region 0: Memory at 00000000c[0-9a-f]+ \(64-bit, non-prefetchable\)/);
    expect(booted.get("01:00.1")).toMatch(/Next Function: 0/);
  });

  it("decodes a VF: its MSI-X, PCIe endpoint capability and ARI", () => {
    const vf = booted.get("01:10.2")!;
    expect(vf).toMatch(/\[70\] MSI-X: Enable- Count=3 Masked-/);
    expect(vf).toMatch(/\[a0\] Express \(v2\) Endpoint/);
    expect(vf).toMatch(/\[150 v1\] Alternative Routing-ID Interpretation \(ARI\)/);
  });

  it("decodes the switch ports and the NVMe endpoint behind one", () => {
    expect(booted.get("02:00.0")).toMatch(/Express \(v2\) Upstream Port/);
    expect(booted.get("03:00.0")).toMatch(/Express \(v2\) Downstream Port \(Slot\+\)/);
    expect(booted.get("03:01.0")).toMatch(/SltSta:\tStatus: AttnBtn- PowerFlt- MRL- CmdCplt- PresDet-/);
    const nvme = booted.get("04:00.0")!;
    expect(nvme).toMatch(/Non-Volatile memory controller/);
    expect(nvme).toMatch(/Region 0: Memory at [0-9a-f]+ \(64-bit, non-prefetchable\)/);
    expect(nvme).toMatch(/\[50\] MSI-X: Enable- Count=32 Masked-/);
  });

  it("decodes AER state after an injected error: status, header log, root status and source", () => {
    const m = PciMachine.build(SPEC);
    injectAerError(
      m.topo,
      m.find("nic0.vf1")!,
      { class: "uncorrectable", error: "malformedTlp" },
      [0x40000001, 0x0180000f, 0xfee00000, 0],
    );
    const l = lspci(m);
    const vf = l.get("01:10.0")!;
    expect(vf).toMatch(/UESta:\tDLP- SDES- TLP- FCP- CmpltTO- CmpltAbrt- UnxCmplt- RxOF- MalfTLP\+/);
    expect(vf).toMatch(/First Error Pointer: 12/);
    expect(vf).toMatch(/HeaderLog: 40000001 0180000f fee00000 00000000/);
    expect(vf).toMatch(/DevSta:\tCorrErr- NonFatalErr- FatalErr\+/);
    const rp = l.get("00:01.0")!;
    expect(rp).toMatch(
      /RootSta: CERcvd- MultCERcvd- UERcvd\+ MultUERcvd-\n\t\t\t FirstFatal\+ NonFatalMsg- FatalMsg\+/,
    );
    expect(rp).toMatch(/ErrorSrc: ERR_COR: 0000 ERR_FATAL\/NONFATAL: 0180/);
    expect(rp).toMatch(/Secondary status: .*<SERR\+/);
  });

  it("decodes the slot after a surprise removal: presence and link gone, changes latched", () => {
    const m = PciMachine.build(SPEC);
    const slot = m.slots.get("dp0")!;
    slot.port.signal = null; // no driver: leave the change bits for lspci to see
    slot.surpriseRemove();
    const dp0 = lspci(m).get("03:00.0")!;
    expect(dp0).toMatch(/SltSta:\tStatus: AttnBtn- PowerFlt- MRL- CmdCplt- PresDet-/);
    expect(dp0).toMatch(/Changed: MRL- PresDet\+ LinkState\+/);
    expect(dp0).toMatch(/DLActive-/);
  });
});
