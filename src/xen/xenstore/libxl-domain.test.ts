/**
 * What `xl create` leaves in xenstore, as Xen's own `xenstore-ls -f -p` prints it: dom0
 * plus one PV guest with a disk, console, vif and a PVUSB controller holding one device.
 * The golden file (testdata/xl-host.xenstore-ls.txt) follows libxl 4.17's order and
 * permissions (libxl_create.c, libxl_dom.c, libxl_device.c and the device files); its
 * shape matches a real host's listing (see README, "Validation").
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  createDomainLikeXl,
  destroyDomainEntries,
  libxlStartTime,
  writeDom0Entries,
} from "./libxl-domain.js";
import { Xenstored } from "./xenstored.js";
import { checkStore } from "./xs-domain-ops.js";
import { XsSocketServer } from "./xs-socket-server.js";

const GOLDEN = join(import.meta.dirname, "testdata", "xl-host.xenstore-ls.txt");

function populate(): Xenstored {
  const xs = new Xenstored();
  const c = xs.connect(0);
  expect(writeDom0Entries(c)).toBeUndefined();
  xs.domainCreated(3);
  const err = createDomainLikeXl(c, {
    domid: 3,
    name: "pvguest",
    uuid: "5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    vcpus: 2,
    maxVcpus: 4,
    memoryKiB: 1048576,
    storePort: 1,
    storeMfn: 2883584,
    kernel: "/boot/vmlinuz",
    cmdline: "root=/dev/xvda1",
    startTime: 1262304000.25,
    console: { port: 2, mfn: 2883585 },
    disks: [{ vdev: "xvda", target: "/dev/vg0/pvguest" }],
    nics: [
      {
        devid: 0,
        mac: "00:16:3e:11:22:33",
        bridge: "xenbr0",
        rate: { bytesPerInterval: 1250000, intervalUsecs: 50000 },
      },
    ],
    usbctrls: [{ devid: 0, version: 2, ports: 2 }],
    usbdevs: [{ ctrl: 0, port: 1, busid: "3-1.5" }],
  });
  expect(err).toBeUndefined();
  xs.disconnect(c);
  return xs;
}

describe("the entries xl writes", () => {
  it("xenstore-ls -f -p on the populated store matches the golden listing", async () => {
    const xs = populate();
    const dir = mkdtempSync(join(tmpdir(), "xs-xl-"));
    const server = new XsSocketServer(xs);
    const path = join(dir, "s");
    await server.listen([{ path }]);
    try {
      const { stdout } = await promisify(execFile)("xenstore-ls", ["-f", "-p"], {
        env: { ...process.env, XENSTORED_PATH: path },
      });
      if (process.env.XENLAB_UPDATE_GOLDEN) writeFileSync(GOLDEN, stdout);
      expect(stdout).toBe(readFileSync(GOLDEN, "utf8"));
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives the guest its own writable nodes and read-only views of the rest", () => {
    const xs = populate();
    const g = xs.connect(3);
    expect(g.readString("name")).toBe("pvguest");
    expect(g.readString("domid")).toBe("3");
    expect(g.readString("/vm/5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d/image/ostype")).toBe("linux");
    expect(g.write("data/x", "1")).toBeUndefined();
    expect(g.write("control/shutdown", "")).toBeUndefined();
    expect(g.write("name", "renamed")).toBe("EACCES");
    expect(g.write("console/ring-ref", "1")).toBe("EACCES");
    expect(g.readString("/local/domain/0/backend/vif/3/0/rate")).toBe("1250000,50000");
    expect(g.read("/local/domain/0/name")).toBe("EACCES");
    expect(g.read("/libxl/3/type")).toBe("EACCES");
    expect(xs.domains.isIntroduced(3)).toBe(true);
  });

  it("xl destroy removes the guest's directories and back ends", () => {
    const xs = populate();
    const c = xs.connect(0);
    expect(destroyDomainEntries(c, 3, "5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d")).toBeUndefined();
    xs.domainDestroyed(3);
    expect(c.directory("/local/domain")).toEqual(["0"]);
    expect(c.directory("/local/domain/0/backend/vif")).toEqual([]);
    expect(c.directory("/vm")).toEqual([]);
    expect(checkStore(xs)).toBeUndefined();
  });

  it("formats start_time as libxl's %jd.%02d", () => {
    expect(libxlStartTime(1262304000.25)).toBe("1262304000.25");
    expect(libxlStartTime(5.057)).toBe("5.05");
    expect(libxlStartTime(7)).toBe("7.00");
  });
});
