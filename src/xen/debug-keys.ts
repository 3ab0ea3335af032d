/**
 * Xen console debug keys (xen/common/keyhandler.c, schedule.c `dump_runq`), as text a
 * Xen engineer recognises, each line prefixed "(XEN) " as on the serial console:
 *   'r'  dump run queues: scheduler settings, then each pCPU's running vCPU and queue
 *        (for Credit: csched_dump and csched_dump_pcpu, credits and priorities);
 *   'q'  dump domain (and guest debug) info: per domain its pages and vCPUs, each vCPU's
 *        pCPU, running flag, pause flags and affinity.
 * Event-channel fields in 'q' (poll, upcall_pend, virq) are printed as an idle guest
 * shows them: there is no event-channel model yet.
 */
import type { CpuMask } from "../hw/cpumask.js";
import type { XenHost } from "./xen-host.js";

export const DEBUG_KEY_HELP: Readonly<Record<string, string>> = {
  r: "dump run queues",
  q: "dump domain (and guest debug) info",
};

/** NOW=0x%08X%08X, as dump_runq prints the system time in ns. */
function nowHex(now: number): string {
  const hi = Math.floor(now / 0x100000000);
  const lo = now % 0x100000000;
  return `0x${hi.toString(16).toUpperCase().padStart(8, "0")}${lo.toString(16).toUpperCase().padStart(8, "0")}`;
}

/** cpuset_print: "{0-3}". */
function cpuset(m: CpuMask): string {
  const l = m.toList();
  return `{${l === "all" ? `0-${m.nbits - 1}` : l === "none" ? "" : l}}`;
}

/** The 'r' key. */
export function dumpRunq(host: XenHost): string[] {
  const s = host.sched;
  const lines = [
    "'r' pressed -> dumping run queues",
    `Scheduler: ${s.name} (${s.optName})`,
    ...s.dumpSettings(),
    "sched_smt_power_savings: disabled",
    `NOW=${nowHex(host.k.now)}`,
  ];
  for (let cpu = 0; cpu < host.nrCpus; cpu++) {
    const state = s.dumpCpuState(cpu);
    lines.push(`CPU[${String(cpu).padStart(2, "0")}] ${state[0]}`, ...state.slice(1));
  }
  return lines;
}

/** The 'q' key. */
export function dumpDomains(host: XenHost): string[] {
  const now = host.k.now;
  const vt = host.vcpus;
  const hi = Math.floor(now / 0x100000000);
  const lo = now % 0x100000000;
  const lines = [
    `'q' pressed -> dumping domain info (now=0x${hi.toString(16).toUpperCase()}:${lo.toString(16).toUpperCase().padStart(8, "0")})`,
  ];
  for (const d of host.domains) {
    const pages = Math.floor(d.memory / 4096);
    const dirty = d.vcpus.filter((v) => vt.isRunning[v]).map((v) => vt.processor[v]);
    lines.push(
      `General information for domain ${d.domid}:`,
      `    refcnt=3 dying=0 pause_count=0`,
      `    nr_pages=${pages} xenheap_pages=0 dirty_cpus={${dirty.join(",")}} max_pages=${pages}`,
      `    handle=00000000-0000-0000-0000-${d.domid.toString(16).padStart(12, "0")} vm_assist=0000000d`,
      `    scheduler: weight=${d.weight} cap=${d.cap}`,
      `VCPU information and callbacks for domain ${d.domid}:`,
    );
    for (const v of d.vcpus) {
      const running = vt.isRunning[v] === 1;
      lines.push(
        `    VCPU${vt.vcpuId[v]}: CPU${vt.processor[v]} [has=${running ? "T" : "F"}] poll=0 upcall_pend=00 upcall_mask=00 dirty_cpus={${running ? vt.processor[v] : ""}}`,
        `    cpu_hard_affinity=${cpuset(vt.hard[v])} cpu_soft_affinity=${cpuset(vt.soft[v])}`,
        `    pause_count=${vt.pauseCount[v]} pause_flags=${vt.pauseFlags[v].toString(16)}`,
        "    No periodic timer",
      );
    }
  }
  return lines;
}

/** Runs a debug key; returns the console lines, "(XEN) "-prefixed. */
export function debugKey(host: XenHost, key: string): string[] {
  const lines =
    key === "r" ? dumpRunq(host) : key === "q" ? dumpDomains(host) : [`'${key}' pressed -> no handler`];
  return lines.map((l) => `(XEN) ${l}`);
}
