/**
 * Import of xl domain configuration files (xl.cfg(5); grammar in xlcfg-parser.ts). The
 * keys xenlab models are converted to a domain;
 * other documented xl.cfg keys are listed as not modelled; anything else is an error with
 * a suggestion.
 */
import { parseCpuList } from "./cpulist.js";
import { describeValue, didYouMean, type InputIssue } from "./input-issues.js";
import { parseXlCfg, type XlValue } from "./xlcfg-parser.js";

/** Keys xenlab reads into the domain model. */
export const MODELLED_KEYS = [
  "name",
  "memory",
  "vcpus",
  "cpus",
  "cpus_soft",
  "cpu_weight",
  "cap",
  "vif",
  "disk",
  "pci",
  "usbdev",
  "on_crash",
] as const;

/** Documented xl.cfg keys that xenlab accepts but does not model (they do not change a run). */
// biome-ignore format: a long word list reads better packed
export const KNOWN_UNMODELLED_KEYS = [
  "type", "builder", "pool", "maxvcpus", "maxmem", "vnuma", "on_poweroff", "on_reboot", "on_watchdog",
  "on_soft_reset", "kernel", "ramdisk", "cmdline", "root", "extra", "firmware", "pvshim", "pvshim_path",
  "pvshim_cmdline", "pvshim_extra", "uuid", "seclabel", "init_seclabel", "max_grant_frames",
  "max_maptrack_frames", "max_grant_version", "nomigrate", "driver_domain", "device_tree", "passthrough",
  "vmtrace_buf_kb", "vpmu", "vtpm", "p9", "pvcalls", "vfb", "channel", "rdm", "usbctrl", "pci_permissive",
  "pci_msitranslate", "pci_seize", "pci_power_mgmt", "gfx_passthru", "rdm_mem_boundary", "dtdev",
  "ioports", "iomem", "irqs", "max_event_channels", "vdispl", "vsnd", "vkb", "tee", "bootloader",
  "bootloader_args", "e820_host", "hap", "oos", "shadow_memory", "device_model_version",
  "device_model_override", "device_model_stubdomain_override", "device_model_stubdomain_seclabel",
  "device_model_args", "device_model_args_pv", "device_model_args_hvm", "device_model_user", "vga",
  "videoram", "stdvga", "vnc", "vnclisten", "vncdisplay", "vncunused", "vncpasswd", "keymap", "sdl",
  "opengl", "nographic", "spice", "spicehost", "spiceport", "spicetls_port", "spicedisable_ticketing",
  "spicepasswd", "spiceagent_mouse", "spicevdagent", "spice_clipboard_sharing", "spiceusbredirection",
  "spice_image_compression", "spice_streaming_video", "serial", "soundhw", "vkbd", "usb", "usbdevice",
  "usbversion", "vendor_device", "boot", "acpi", "acpi_s3", "acpi_s4", "acpi_laptop_slate", "apic", "pae",
  "hpet", "nestedhvm", "cpuid", "viridian", "timer_mode", "tsc_mode", "localtime", "rtc_timeoffset",
  "mmio_hole", "altp2m", "altp2mhvm", "smbios_firmware", "acpi_firmware", "ms_vm_genid",
  "xen_platform_pci", "claim_mode", "blkdev_start", "gic_version", "vuart", "dm_restrict",
  "suppress_vmdesc", "trap_unmapped_accesses", "soft_reset", "on_crash_action", "coproc", "virtio",
  "vcpu_hard_affinity", "vcpu_soft_affinity", "xend_suspend_evtchn_compat", "cpu_cap", "cpupool",
  "vncviewer",
] as const;

const ON_CRASH = [
  "destroy",
  "restart",
  "rename-restart",
  "preserve",
  "coredump-destroy",
  "coredump-restart",
  "soft-reset",
];

/** Domain fields read from an xl.cfg file, in the scenario's units (memory in bytes). */
export interface XlDomain {
  name?: string;
  memory?: number;
  vcpus?: number;
  cpus?: string | string[];
  cpus_soft?: string | string[];
  cpu_weight?: number;
  cap?: number;
  vif?: string[];
  disk?: string[];
  pci?: string[];
  usbdev?: string[];
  on_crash?: string;
  /** Documented keys present in the file that xenlab does not model. */
  unmodelled: string[];
}

/** Parses and converts an xl.cfg file to domain fields, validating each modelled key. */
export function importXlCfg(file: string, text: string): { domain: XlDomain; issues: InputIssue[] } {
  const { settings, issues } = parseXlCfg(file, text);
  const domain: XlDomain = { unmodelled: [] };
  const seen = new Map<string, number>();
  for (const s of settings) {
    const at = { file, line: s.line, column: s.column, path: [s.key] };
    const bad = (message: string) =>
      issues.push({ code: "type", ...at, message: `${message}, got ${describeXl(s.value)}` });
    if (seen.has(s.key)) {
      issues.push({
        code: "value",
        ...at,
        message: `"${s.key}" is set twice (first on line ${seen.get(s.key)})`,
      });
      continue;
    }
    seen.set(s.key, s.line);
    if (!(MODELLED_KEYS as readonly string[]).includes(s.key)) {
      if ((KNOWN_UNMODELLED_KEYS as readonly string[]).includes(s.key)) domain.unmodelled.push(s.key);
      else {
        const hint = didYouMean(s.key, [...MODELLED_KEYS, ...KNOWN_UNMODELLED_KEYS]);
        issues.push({
          code: "unknown-key",
          ...at,
          message: `unknown xl.cfg key "${s.key}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
        });
      }
      continue;
    }
    const v = s.value;
    switch (s.key) {
      case "name":
        if (typeof v === "string" && /^[A-Za-z][A-Za-z0-9_.-]*$/.test(v)) domain.name = v;
        else bad(`expected a domain name string like "web1"`);
        break;
      case "memory":
        if (typeof v === "number" && Number.isInteger(v) && v > 0) domain.memory = v * 2 ** 20;
        else bad("expected memory in MiB as a whole number like 512");
        break;
      case "vcpus":
        if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 512) domain.vcpus = v;
        else bad("expected a number of vCPUs from 1 to 512");
        break;
      case "cpu_weight":
        if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535) domain.cpu_weight = v;
        else bad("expected a weight from 1 to 65535");
        break;
      case "cap":
        if (typeof v === "number" && Number.isInteger(v) && v >= 0) domain.cap = v;
        else bad("expected a cap in percent of one CPU (0 = none)");
        break;
      case "cpus":
      case "cpus_soft": {
        const checked = checkCpus(v);
        if (typeof checked === "string") bad(checked);
        else domain[s.key] = checked;
        break;
      }
      case "vif":
      case "disk":
      case "pci":
      case "usbdev":
        if (Array.isArray(v) && v.every((x) => typeof x === "string")) domain[s.key] = v as string[];
        else bad(`expected a list of strings like ['...']`);
        break;
      case "on_crash":
        if (typeof v === "string" && ON_CRASH.includes(v)) domain.on_crash = v;
        else {
          const hint = typeof v === "string" ? didYouMean(v, ON_CRASH) : undefined;
          issues.push({
            code: "value",
            ...at,
            message: `expected one of ${ON_CRASH.join(", ")}, got ${describeXl(v)}${hint ? ` (did you mean "${hint}"?)` : ""}`,
          });
        }
        break;
    }
  }
  if (domain.name === undefined && !issues.some((i) => i.path[0] === "name")) {
    issues.push({
      code: "missing",
      file,
      line: 1,
      column: 1,
      path: ["name"],
      message: "required key is missing: xl.cfg must set name=",
    });
  }
  return { domain, issues };
}

function checkCpus(v: XlValue): string | string[] {
  const list = typeof v === "string" ? [v] : Array.isArray(v) ? v : null;
  if (!list?.every((x) => typeof x === "string"))
    return `expected a CPU list string like "0-3,^1" or a list of them`;
  for (const item of list as string[]) {
    const parsed = parseCpuList(item);
    if (typeof parsed === "string") return `expected a CPU list like "0-3,^1": ${parsed}`;
  }
  return typeof v === "string" ? v : (list as string[]);
}

function describeXl(v: XlValue): string {
  return describeValue(v);
}
