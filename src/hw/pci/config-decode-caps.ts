/**
 * Decoders for the capabilities config-decode.ts walks: a title and detail lines in
 * lspci -vvv's spelling (pciutils ls-caps.c / ls-ecaps.c), plus the raw fields as
 * numbers for machine use (`xenlab pci decode --json`). Capabilities the model does not
 * know are listed by id with their raw first DWORD.
 */
import type { ConfigImage } from "./config-decode.js";
import { PCI_ERR_UNC } from "./ext-cap-aer.js";

export interface DecodedCap {
  offset: number;
  id: number;
  /** Extended capabilities: the version nibble; standard ones: 0. */
  version: number;
  name: string;
  title: string;
  lines: string[];
  fields: Record<string, number | boolean | string>;
}

const f = (v: number, bit: number): string => (v & bit ? "+" : "-");
const hex = (n: number, w = 0): string => n.toString(16).padStart(w, "0");

const STD_NAMES: Record<number, string> = {
  1: "Power Management",
  2: "AGP",
  3: "Vital Product Data",
  5: "MSI",
  7: "PCI-X",
  9: "Vendor Specific Information",
  13: "Subsystem",
  16: "Express",
  17: "MSI-X",
  18: "SATA HBA",
  19: "PCI Advanced Features",
};

const EXT_NAMES: Record<number, string> = {
  1: "Advanced Error Reporting",
  2: "Virtual Channel",
  3: "Device Serial Number",
  4: "Power Budgeting",
  11: "Vendor Specific Information",
  13: "Access Control Services",
  14: "Alternative Routing-ID Interpretation (ARI)",
  15: "Address Translation Service (ATS)",
  16: "Single Root I/O Virtualization (SR-IOV)",
  24: "Latency Tolerance Reporting",
  25: "Secondary PCI Express",
};

const PCIE_TYPES: Record<number, string> = {
  0: "Endpoint",
  1: "Legacy Endpoint",
  4: "Root Port",
  5: "Upstream Port",
  6: "Downstream Port",
  7: "PCI-Express to PCI/PCI-X Bridge",
  8: "PCI/PCI-X to PCI-Express Bridge",
  9: "Root Complex Integrated Endpoint",
  10: "Root Complex Event Collector",
};

export function decodeStdCap(img: ConfigImage, off: number, id: number, notes: string[]): DecodedCap {
  const cap: DecodedCap = {
    offset: off,
    id,
    version: 0,
    name: STD_NAMES[id] ?? `#${hex(id, 2)}`,
    title: "",
    lines: [],
    fields: {},
  };
  const need = (len: number): boolean => {
    if (img.has(off, len)) return true;
    notes.push(`capability at 0x${hex(off)} runs past the ${img.size} bytes available`);
    cap.title = `${cap.name} <truncated>`;
    return false;
  };
  switch (id) {
    case 0x01: {
      if (!need(8)) break;
      const pmc = img.u16(off + 2);
      const ctl = img.u16(off + 4);
      cap.fields = { version: pmc & 7, pmeSupport: pmc >> 11, state: ctl & 3, noSoftReset: (ctl & 8) !== 0 };
      cap.title = `Power Management version ${pmc & 7}`;
      cap.lines.push(
        `Status: D${ctl & 3} NoSoftRst${f(ctl, 8)} PME-Enable${f(ctl, 0x100)} PME${f(ctl, 0x8000)}`,
      );
      break;
    }
    case 0x05: {
      if (!need(4)) break;
      const fl = img.u16(off + 2);
      cap.fields = {
        enable: (fl & 1) !== 0,
        requested: 1 << ((fl >> 1) & 7),
        enabled: 1 << ((fl >> 4) & 7),
        is64: (fl & 0x80) !== 0,
        maskable: (fl & 0x100) !== 0,
      };
      cap.title = `MSI: Enable${f(fl, 1)} Count=${1 << ((fl >> 4) & 7)}/${1 << ((fl >> 1) & 7)} Maskable${f(fl, 0x100)} 64bit${f(fl, 0x80)}`;
      break;
    }
    case 0x09: {
      if (!need(3)) break;
      cap.fields = { length: img.u8(off + 2) };
      cap.title = `Vendor Specific Information: Len=${hex(img.u8(off + 2), 2)}`;
      break;
    }
    case 0x0d: {
      if (!need(8)) break;
      cap.fields = { vendor: img.u16(off + 4), device: img.u16(off + 6) };
      cap.title = `Subsystem: Device [${hex(img.u16(off + 4), 4)}:${hex(img.u16(off + 6), 4)}]`;
      break;
    }
    case 0x11: {
      if (!need(12)) break;
      const fl = img.u16(off + 2);
      const t = img.u32(off + 4);
      const p = img.u32(off + 8);
      cap.fields = {
        enable: (fl & 0x8000) !== 0,
        count: (fl & 0x7ff) + 1,
        masked: (fl & 0x4000) !== 0,
        tableBar: t & 7,
        tableOffset: t & ~7,
        pbaBar: p & 7,
        pbaOffset: p & ~7,
      };
      cap.title = `MSI-X: Enable${f(fl, 0x8000)} Count=${(fl & 0x7ff) + 1} Masked${f(fl, 0x4000)}`;
      cap.lines.push(`Vector table: BAR=${t & 7} offset=${hex((t & ~7) >>> 0, 8)}`);
      cap.lines.push(`PBA: BAR=${p & 7} offset=${hex((p & ~7) >>> 0, 8)}`);
      break;
    }
    case 0x10:
      if (!need(0x14)) break;
      decodeExpress(img, off, cap);
      break;
    default:
      cap.title = cap.name;
  }
  return cap;
}

function decodeExpress(img: ConfigImage, off: number, cap: DecodedCap): void {
  const flags = img.u16(off + 2);
  const type = (flags >> 4) & 0xf;
  const slot = (flags & 0x100) !== 0;
  const isPortDown = type === 4 || type === 6;
  cap.fields = { version: flags & 0xf, type, slot, msi: (flags >> 9) & 0x1f };
  cap.title = `Express (v${flags & 0xf}) ${PCIE_TYPES[type] ?? "Unknown type"}${isPortDown ? ` (Slot${slot ? "+" : "-"})` : ""}, MSI ${hex((flags >> 9) & 0x1f, 2)}`;
  const devcap = img.u32(off + 4);
  const devctl = img.u16(off + 8);
  const devsta = img.u16(off + 0xa);
  cap.lines.push(
    `DevCap:\tMaxPayload ${128 << (devcap & 7)} bytes, ExtTag${f(devcap, 0x20)} RBE${f(devcap, 0x8000)} FLReset${f(devcap, 0x10000000)}`,
  );
  cap.lines.push(
    `DevCtl:\tCorrErr${f(devctl, 1)} NonFatalErr${f(devctl, 2)} FatalErr${f(devctl, 4)} UnsupReq${f(devctl, 8)}`,
  );
  cap.lines.push(
    `DevSta:\tCorrErr${f(devsta, 1)} NonFatalErr${f(devsta, 2)} FatalErr${f(devsta, 4)} UnsupReq${f(devsta, 8)}`,
  );
  const lnkcap = img.u32(off + 0xc);
  const lnksta = img.u16(off + 0x12);
  const speeds = ["unknown", "2.5GT/s", "5GT/s", "8GT/s", "16GT/s"];
  cap.lines.push(
    `LnkCap:\tPort #${lnkcap >>> 24}, Speed ${speeds[lnkcap & 0xf] ?? "unknown"}, Width x${(lnkcap >> 4) & 0x3f}, LLActRep${f(lnkcap, 0x100000)}`,
  );
  cap.lines.push(
    `LnkSta:\tSpeed ${speeds[lnksta & 0xf] ?? "unknown"}, Width x${(lnksta >> 4) & 0x3f}, DLActive${f(lnksta, 0x2000)}`,
  );
  Object.assign(cap.fields, { devcap, devctl, devsta, lnkcap, lnksta, flr: (devcap & 0x10000000) !== 0 });
  if (slot && img.has(off + 0x1c, 2)) {
    const sc = img.u32(off + 0x14);
    const ctl = img.u16(off + 0x18);
    const st = img.u16(off + 0x1a);
    cap.lines.push(
      `SltCap:\tAttnBtn${f(sc, 1)} PwrCtrl${f(sc, 2)} MRL${f(sc, 4)} AttnInd${f(sc, 8)} PwrInd${f(sc, 0x10)} HotPlug${f(sc, 0x40)} Surprise${f(sc, 0x20)} Slot #${sc >>> 19}`,
    );
    cap.lines.push(
      `SltCtl:\tEnable: AttnBtn${f(ctl, 1)} PwrFlt${f(ctl, 2)} MRL${f(ctl, 4)} PresDet${f(ctl, 8)} CmdCplt${f(ctl, 0x10)} HPIrq${f(ctl, 0x20)} LinkChg${f(ctl, 0x1000)}`,
    );
    cap.lines.push(
      `SltSta:\tStatus: AttnBtn${f(st, 1)} PowerFlt${f(st, 2)} MRL${f(st, 4)} CmdCplt${f(st, 0x10)} PresDet${f(st, 0x40)}; Changed: PresDet${f(st, 8)} LinkState${f(st, 0x100)}`,
    );
    Object.assign(cap.fields, { sltcap: sc, sltctl: ctl, sltsta: st });
  }
  if ((flags & 0xf) >= 2 && img.has(off + 0x2a, 2)) {
    const dc2 = img.u32(off + 0x24);
    const dctl2 = img.u16(off + 0x28);
    if (isPortDown) cap.lines.push(`DevCap2/DevCtl2: ARIFwd${f(dc2, 0x20)}/${f(dctl2, 0x20)}`);
    Object.assign(cap.fields, { devcap2: dc2, devctl2: dctl2, ariForwarding: (dctl2 & 0x20) !== 0 });
  }
}

const UNC_ORDER: [string, number][] = [
  ["DLP", PCI_ERR_UNC.dlp],
  ["SDES", PCI_ERR_UNC.surpriseDown],
  ["TLP", PCI_ERR_UNC.poisonedTlp],
  ["FCP", PCI_ERR_UNC.flowControl],
  ["CmpltTO", PCI_ERR_UNC.completionTimeout],
  ["CmpltAbrt", PCI_ERR_UNC.completerAbort],
  ["UnxCmplt", PCI_ERR_UNC.unexpectedCompletion],
  ["RxOF", PCI_ERR_UNC.receiverOverflow],
  ["MalfTLP", PCI_ERR_UNC.malformedTlp],
  ["ECRC", PCI_ERR_UNC.ecrc],
  ["UnsupReq", PCI_ERR_UNC.unsupportedRequest],
  ["ACSViol", PCI_ERR_UNC.acsViolation],
];
const uncLine = (v: number): string => UNC_ORDER.map(([n, b]) => `${n}${f(v, b)}`).join(" ");

export function decodeExtCap(
  img: ConfigImage,
  off: number,
  id: number,
  version: number,
  _notes: string[],
): DecodedCap {
  const cap: DecodedCap = {
    offset: off,
    id,
    version,
    name: EXT_NAMES[id] ?? `Extended Capability ID ${hex(id, 4)}`,
    title: "",
    lines: [],
    fields: {},
  };
  cap.title = cap.name;
  switch (id) {
    case 0x01: {
      const us = img.u32(off + 4);
      const um = img.u32(off + 8);
      const sv = img.u32(off + 0xc);
      const cs = img.u32(off + 0x10);
      const capctl = img.u32(off + 0x18);
      const hdr = [0, 1, 2, 3].map((i) => img.u32(off + 0x1c + 4 * i));
      cap.lines.push(`UESta:\t${uncLine(us)}`, `UEMsk:\t${uncLine(um)}`, `UESvrt:\t${uncLine(sv)}`);
      cap.lines.push(
        `CESta:\tRxErr${f(cs, 1)} BadTLP${f(cs, 0x40)} BadDLLP${f(cs, 0x80)} Rollover${f(cs, 0x100)} Timeout${f(cs, 0x1000)} AdvNonFatalErr${f(cs, 0x2000)}`,
      );
      cap.lines.push(`AERCap:\tFirst Error Pointer: ${hex(capctl & 0x1f, 2)}`);
      cap.lines.push(`HeaderLog: ${hdr.map((h) => hex(h, 8)).join(" ")}`);
      cap.fields = {
        uncorStatus: us,
        uncorMask: um,
        uncorSeverity: sv,
        corStatus: cs,
        firstErrorPointer: capctl & 0x1f,
        header: hdr.map((h) => hex(h, 8)).join(" "),
      };
      break;
    }
    case 0x03: {
      const lo = img.u32(off + 4);
      const hi = img.u32(off + 8);
      const b = [
        hi >>> 24,
        (hi >>> 16) & 0xff,
        (hi >>> 8) & 0xff,
        hi & 0xff,
        lo >>> 24,
        (lo >>> 16) & 0xff,
        (lo >>> 8) & 0xff,
        lo & 0xff,
      ];
      cap.title = `${cap.name} ${b.map((x) => hex(x, 2)).join("-")}`;
      cap.fields = { serial: b.map((x) => hex(x, 2)).join("-") };
      break;
    }
    case 0x0d: {
      const c = img.u16(off + 4);
      const ctl = img.u16(off + 6);
      const names = [
        "SrcValid",
        "TransBlk",
        "ReqRedir",
        "CmpltRedir",
        "UpstreamFwd",
        "EgressCtrl",
        "DirectTrans",
      ];
      cap.lines.push(`ACSCap:\t${names.map((n, i) => `${n}${f(c, 1 << i)}`).join(" ")}`);
      cap.lines.push(`ACSCtl:\t${names.map((n, i) => `${n}${f(ctl, 1 << i)}`).join(" ")}`);
      cap.fields = { capability: c, control: ctl };
      break;
    }
    case 0x0e: {
      const c = img.u16(off + 4);
      const ctl = img.u16(off + 6);
      cap.lines.push(`ARICap:\tMFVC${f(c, 1)} ACS${f(c, 2)}, Next Function: ${c >> 8}`);
      cap.lines.push(`ARICtl:\tMFVC${f(ctl, 1)} ACS${f(ctl, 2)}, Function Group: ${(ctl >> 4) & 7}`);
      cap.fields = { nextFunction: c >> 8, control: ctl };
      break;
    }
    case 0x10: {
      const ctl = img.u16(off + 8);
      const fields = {
        vfEnable: (ctl & 1) !== 0,
        vfMse: (ctl & 8) !== 0,
        ariHierarchy: (ctl & 0x10) !== 0,
        initialVfs: img.u16(off + 0xc),
        totalVfs: img.u16(off + 0xe),
        numVfs: img.u16(off + 0x10),
        vfOffset: img.u16(off + 0x14),
        vfStride: img.u16(off + 0x16),
        vfDeviceId: img.u16(off + 0x1a),
      };
      cap.fields = fields;
      cap.lines.push(
        `IOVCtl:\tEnable${f(ctl, 1)} Migration${f(ctl, 2)} Interrupt${f(ctl, 4)} MSE${f(ctl, 8)} ARIHierarchy${f(ctl, 0x10)}`,
      );
      cap.lines.push(
        `Initial VFs: ${fields.initialVfs}, Total VFs: ${fields.totalVfs}, Number of VFs: ${fields.numVfs}, Function Dependency Link: ${hex(img.u8(off + 0x12), 2)}`,
      );
      cap.lines.push(
        `VF offset: ${fields.vfOffset}, stride: ${fields.vfStride}, Device ID: ${hex(fields.vfDeviceId, 4)}`,
      );
      break;
    }
    default:
      cap.fields = { header: img.u32(off) };
  }
  return cap;
}
