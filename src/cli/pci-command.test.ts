import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir, xenlab } from "../test-support/cli-harness.js";

let dir: string;
const write = (name: string, data: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
const lspci = (args: string[]): string =>
  execFileSync("lspci", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });

beforeAll(() => {
  dir = tempDir("xenlab-pci-");
});

describe("xenlab pci dump", () => {
  it("has help with examples", () => {
    for (const args of [
      ["pci", "dump", "--help"],
      ["pci", "decode", "--help"],
    ]) {
      const r = xenlab(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples?:\n\s+\$ xenlab pci/);
    }
  });

  it("dumps a scenario's topology that lspci -F reads, and writes an MCFG table", () => {
    const out = join(dir, "topo.txt");
    const r = xenlab([
      "pci",
      "dump",
      "scenarios/pcie/topology.yaml",
      "-o",
      out,
      "--mcfg",
      join(dir, "mcfg.dat"),
    ]);
    expect(r.code).toBe(0);
    const listed = lspci(["-F", out]).trim().split("\n");
    expect(listed).toHaveLength(25); // host, 3 root ports, 2 PFs + 14 VFs, switch (3), 2 NVMe
    expect(statSync(join(dir, "mcfg.dat")).size).toBe(60);
  });

  it("dumps a standalone topology file", () => {
    const topo = write("laptop.yaml", "host: gm45\ndevices:\n  - { model: igd }\n  - { model: lpc }\n");
    const out = join(dir, "laptop.txt");
    expect(xenlab(["pci", "dump", topo, "-o", out]).code).toBe(0);
    expect(lspci(["-F", out])).toMatch(
      /00:02.0 VGA compatible controller: Intel Corporation Mobile 4 Series/,
    );
  });

  it("dumps a scenario's pcie topology, and VF ids as sysfs shows them on request", () => {
    const out = join(dir, "scn.txt");
    expect(xenlab(["pci", "dump", "scenarios/pcie/vf-hotplug-aer.yaml", "-o", out]).code).toBe(0);
    expect(lspci(["-F", out])).toMatch(
      /01:00.0 Ethernet controller: Intel Corporation 82576 Gigabit Network Connection/,
    );
    expect(lspci(["-F", join(dir, "topo.txt"), "-s", "01:10.0"])).toMatch(/Device ffff/);
    const sysfs = join(dir, "sysfs.txt");
    expect(
      xenlab(["pci", "dump", "scenarios/pcie/topology.yaml", "--vf-ids", "sysfs", "-o", sysfs]).code,
    ).toBe(0);
    expect(lspci(["-F", sysfs, "-s", "01:10.0"])).toMatch(/82576 Virtual Function/);
  });

  it("reports topology mistakes with file:line:column and exit code 2", () => {
    const bad = write(
      "bad.yaml",
      "host: ioh5520\ndevices:\n  - { model: igd, device: 2 }\n  - { model: root-port, device: 2, name: rp, hotplug: true, child: { model: igb-82576, name: nic, vfs: 9 } }\n  - { model: nvme, device: 40, name: x, speed: 1 }\n",
    );
    const r = xenlab(["pci", "dump", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+ devices\[1\]\.child\.vfs: expected at most 7 VFs/);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+ devices\[2\]\.device: expected a device number 0\.\.31/);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+ devices\[2\]\.speed: unknown key "speed"/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const bad2 = write(
      "bad2.yaml",
      "host: ioh5520\ndevices:\n  - { model: igd, device: 2 }\n  - { model: root-port, device: 2, name: rp, hotplug: true }\n",
    );
    const r2 = xenlab(["pci", "dump", bad2]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/bad2\.yaml:3:\d+ devices\[0\]\.model: the IGD needs host: gm45/);
    expect(r2.stderr).toMatch(
      /bad2\.yaml:4:\d+ devices\[1\]\.device: device 2 is already used by devices\[0\]/,
    );
    expect(r2.stderr).toMatch(/devices\[1\]\.hotplug: a hot-plug port needs a slot number/);
  });
});

/** This machine's PCI functions with a readable config file. */
function hostDevices(): { slot: string; config: string }[] {
  const base = "/sys/bus/pci/devices";
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((d) => /^0000:/.test(d))
    .map((d) => ({ slot: d.slice(5), config: join(base, d, "config") }))
    .filter((d) => {
      try {
        return readFileSync(d.config).length >= 64;
      } catch {
        return false;
      }
    });
}

describe("xenlab pci decode on this machine's devices, against lspci -vvv", () => {
  const devices = hostDevices();

  it("finds devices to compare (this test needs /sys/bus/pci)", () => {
    expect(devices.length).toBeGreaterThan(0);
  });

  it("decodes every device field by field as lspci does (ids, Control, Status, regions, capabilities)", () => {
    const r = xenlab(["pci", "decode", ...devices.map((d) => d.config), "--json"]);
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout) as {
      slot: string;
      vendor: number;
      device: number;
      revision: number;
      classCode: number;
      controlLine: string;
      statusLine: string;
      regions: { index: number; text: string }[];
      capabilities: { offset: number; name: string; title: string; lines: string[] }[];
      available: number;
    }[];
    expect(all).toHaveLength(devices.length);
    const hex = (n: number, w: number) => n.toString(16).padStart(w, "0");
    const ids = lspci(["-n"]);
    const verbose = lspci(["-vvv"]).split(/\n\n+/);
    for (const x of all) {
      expect(ids).toContain(`${x.slot} ${hex(x.classCode >> 8, 4)}: ${hex(x.vendor, 4)}:${hex(x.device, 4)}`);
      const v = `${verbose.find((b) => b.startsWith(x.slot))}\n`;
      expect(v).toContain(`Control: ${x.controlLine}`);
      expect(v).toContain(`Status: ${x.statusLine}`);
      const theirRegions = [...v.matchAll(/\tRegion (\d): (.*?)(?: \[size=[^\]]+\])?\n/g)].map(
        (m) => `${m[1]}: ${m[2].replace(/ \[virtual\]/, "")}`,
      );
      expect(x.regions.map((g) => `${g.index}: ${g.text}`)).toEqual(theirRegions);
      const theirCaps = [...v.matchAll(/\tCapabilities: \[([0-9a-f]+)\] (.*)\n/g)].map(
        (m) => [Number.parseInt(m[1], 16), m[2]] as const,
      );
      if (x.available < 256 && theirCaps.length > 0) continue; // an unprivileged 64-byte read
      expect(x.capabilities.map((c) => c.offset)).toEqual(theirCaps.map((c) => c[0]));
      x.capabilities.forEach((c, i) => {
        expect(theirCaps[i][1].startsWith(c.name)).toBe(true);
        if (c.name === "MSI-X" || c.name === "MSI" || c.name === "Power Management")
          expect(theirCaps[i][1]).toBe(c.title);
        if (c.name === "MSI-X") for (const l of c.lines) expect(v).toContain(`\t\t${l}\n`);
      });
    }
  });

  it("decodes lspci's own -xxx dump of this machine to the same fields as the sysfs files", () => {
    const dump = write("host.txt", lspci(["-xxx"]));
    const a = JSON.parse(xenlab(["pci", "decode", dump, "--json"]).stdout) as {
      slot: string;
      controlLine: string;
      capabilities: unknown[];
    }[];
    const b = JSON.parse(xenlab(["pci", "decode", ...devices.map((d) => d.config), "--json"]).stdout) as {
      slot: string;
      controlLine: string;
      capabilities: unknown[];
    }[];
    expect(a.map((x) => x.slot)).toEqual(b.map((x) => x.slot));
    a.forEach((x, i) => {
      expect(x.controlLine).toBe(b[i].controlLine);
      if (b[i].capabilities.length > 0) expect(x.capabilities).toEqual(b[i].capabilities);
    });
  });
});

describe("xenlab pci decode on malformed input", () => {
  const header = () => {
    const b = new Uint8Array(256);
    b.set([0x86, 0x80, 0x34, 0x12, 0x06, 0x04, 0x10, 0x00]);
    return b;
  };

  it("a short file: exit 2 naming the file", () => {
    const r = xenlab(["pci", "decode", write("short.bin", new Uint8Array(10))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/short\.bin config space is 10 bytes; at least the 64-byte header is needed/);
  });

  it("a capability loop: exit 2, no hang", () => {
    const b = header();
    b[0x34] = 0x40;
    b.set([0x01, 0x48], 0x40);
    b.set([0x05, 0x40], 0x48);
    const r = xenlab(["pci", "decode", write("loop.bin", b)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/loop\.bin capability list loops back to 0x40/);
  });

  it("a pointer out of range: exit 2", () => {
    const b = header();
    b[0x34] = 0x10;
    const r = xenlab(["pci", "decode", write("ptr.bin", b)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/capability pointer 0x10 points into the standard header/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it("a malformed dump line: exit 2 with file:line:column", () => {
    const r = xenlab(["pci", "decode", write("bad.txt", "00:00.0 Host bridge\n00: 86 80 zz\n")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.txt:2:1 not an lspci dump line/);
  });
});
