/**
 * Register map of the PCI configuration header and the capability ids: offsets and bit
 * meanings as the PCI Local Bus spec 3.0 and PCI Express Base spec §7.5 define them, with
 * the names Linux uses (include/uapi/linux/pci_regs.h; also pciutils lib/header.h).
 * Values only; the behaviour of each register lives in config-space.ts and the device
 * models.
 */

// Config space sizes (pci_regs.h PCI_CFG_SPACE_SIZE, PCI_CFG_SPACE_EXP_SIZE).
export const PCI_CFG_SPACE_SIZE = 256;
export const PCI_CFG_SPACE_EXP_SIZE = 4096;
/** First byte a device may use for capabilities (after the 64-byte standard header). */
export const PCI_STD_HEADER_SIZE = 0x40;

// Common header (both types).
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CLASS_DEVICE = 0x0a;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BIST = 0x0f;

/** Vendor id that means "no function here" (a master abort on a config read). */
export const PCI_VENDOR_NONE = 0xffff;

// Command register bits.
export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_COMMAND_SPECIAL = 0x8;
export const PCI_COMMAND_INVALIDATE = 0x10;
export const PCI_COMMAND_VGA_PALETTE = 0x20;
export const PCI_COMMAND_PARITY = 0x40;
export const PCI_COMMAND_WAIT = 0x80;
export const PCI_COMMAND_SERR = 0x100;
export const PCI_COMMAND_FAST_BACK = 0x200;
export const PCI_COMMAND_INTX_DISABLE = 0x400;
/** Command bits a PCIe function implements as read-write (PCIe §7.5.1.1; the rest are RO 0). */
export const PCI_COMMAND_PCIE_WMASK =
  PCI_COMMAND_IO |
  PCI_COMMAND_MEMORY |
  PCI_COMMAND_MASTER |
  PCI_COMMAND_PARITY |
  PCI_COMMAND_SERR |
  PCI_COMMAND_INTX_DISABLE;

// Status register bits.
export const PCI_STATUS_INTERRUPT = 0x8;
export const PCI_STATUS_CAP_LIST = 0x10;
export const PCI_STATUS_66MHZ = 0x20;
export const PCI_STATUS_FAST_BACK = 0x80;
export const PCI_STATUS_PARITY = 0x100;
export const PCI_STATUS_DEVSEL_MASK = 0x600;
export const PCI_STATUS_SIG_TARGET_ABORT = 0x800;
export const PCI_STATUS_REC_TARGET_ABORT = 0x1000;
export const PCI_STATUS_REC_MASTER_ABORT = 0x2000;
export const PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000;
export const PCI_STATUS_DETECTED_PARITY = 0x8000;
/** The error bits software clears by writing 1 (RW1C). */
export const PCI_STATUS_W1C =
  PCI_STATUS_PARITY |
  PCI_STATUS_SIG_TARGET_ABORT |
  PCI_STATUS_REC_TARGET_ABORT |
  PCI_STATUS_REC_MASTER_ABORT |
  PCI_STATUS_SIG_SYSTEM_ERROR |
  PCI_STATUS_DETECTED_PARITY;

// Header type.
export const PCI_HEADER_TYPE_NORMAL = 0;
export const PCI_HEADER_TYPE_BRIDGE = 1;
export const PCI_HEADER_TYPE_MULTIFUNCTION = 0x80;

// Type 0 header.
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_CARDBUS_CIS = 0x28;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;
export const PCI_MIN_GNT = 0x3e;
export const PCI_MAX_LAT = 0x3f;

// BAR encoding.
export const PCI_BASE_ADDRESS_SPACE_IO = 0x1;
export const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x4;
export const PCI_BASE_ADDRESS_MEM_PREFETCH = 0x8;
export const PCI_BASE_ADDRESS_MEM_MASK = 0xfffffff0;
export const PCI_BASE_ADDRESS_IO_MASK = 0xfffffffc;
export const PCI_ROM_ADDRESS_ENABLE = 0x1;
export const PCI_ROM_ADDRESS_MASK = 0xfffff800;

// Type 1 (bridge) header.
export const PCI_PRIMARY_BUS = 0x18;
export const PCI_SECONDARY_BUS = 0x19;
export const PCI_SUBORDINATE_BUS = 0x1a;
export const PCI_SEC_LATENCY_TIMER = 0x1b;
export const PCI_IO_BASE = 0x1c;
export const PCI_IO_LIMIT = 0x1d;
export const PCI_SEC_STATUS = 0x1e;
export const PCI_MEMORY_BASE = 0x20;
export const PCI_MEMORY_LIMIT = 0x22;
export const PCI_PREF_MEMORY_BASE = 0x24;
export const PCI_PREF_MEMORY_LIMIT = 0x26;
export const PCI_PREF_BASE_UPPER32 = 0x28;
export const PCI_PREF_LIMIT_UPPER32 = 0x2c;
export const PCI_IO_BASE_UPPER16 = 0x30;
export const PCI_IO_LIMIT_UPPER16 = 0x32;
export const PCI_ROM_ADDRESS1 = 0x38;
export const PCI_BRIDGE_CONTROL = 0x3e;
/** I/O window decode: 32-bit I/O addressing supported (low nibble of base/limit). */
export const PCI_IO_RANGE_TYPE_32 = 0x01;
/** Prefetchable window: 64-bit addressing supported. */
export const PCI_PREF_RANGE_TYPE_64 = 0x01;

// Bridge control bits.
export const PCI_BRIDGE_CTL_PARITY = 0x1;
export const PCI_BRIDGE_CTL_SERR = 0x2;
export const PCI_BRIDGE_CTL_ISA = 0x4;
export const PCI_BRIDGE_CTL_VGA = 0x8;
export const PCI_BRIDGE_CTL_MASTER_ABORT = 0x20;
export const PCI_BRIDGE_CTL_BUS_RESET = 0x40;
export const PCI_BRIDGE_CTL_FAST_BACK = 0x80;
/** Bridge control bits a PCIe port implements (PCIe §7.5.1.3.13). */
export const PCI_BRIDGE_CTL_PCIE_WMASK =
  PCI_BRIDGE_CTL_PARITY |
  PCI_BRIDGE_CTL_SERR |
  PCI_BRIDGE_CTL_ISA |
  PCI_BRIDGE_CTL_VGA |
  PCI_BRIDGE_CTL_BUS_RESET;

// Secondary status: "received system error" is what AER propagation sets on a bridge.
export const PCI_SEC_STATUS_REC_SYSTEM_ERROR = 0x4000;

// Capability list: {u8 id, u8 next}.
export const PCI_CAP_LIST_ID = 0;
export const PCI_CAP_LIST_NEXT = 1;
export const PCI_CAP_FLAGS = 2;

/** Capability ids (pci_regs.h PCI_CAP_ID_*). */
export const PCI_CAP_ID_PM = 0x01;
export const PCI_CAP_ID_AGP = 0x02;
export const PCI_CAP_ID_VPD = 0x03;
export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_PCIX = 0x07;
export const PCI_CAP_ID_VNDR = 0x09;
export const PCI_CAP_ID_SSVID = 0x0d;
export const PCI_CAP_ID_EXP = 0x10;
export const PCI_CAP_ID_MSIX = 0x11;
export const PCI_CAP_ID_SATA = 0x12;
export const PCI_CAP_ID_AF = 0x13;
export const PCI_CAP_ID_EA = 0x14;

/** Extended capability ids (pci_regs.h PCI_EXT_CAP_ID_*). */
export const PCI_EXT_CAP_ID_ERR = 0x01;
export const PCI_EXT_CAP_ID_VC = 0x02;
export const PCI_EXT_CAP_ID_DSN = 0x03;
export const PCI_EXT_CAP_ID_PWR = 0x04;
export const PCI_EXT_CAP_ID_VNDR = 0x0b;
export const PCI_EXT_CAP_ID_ACS = 0x0d;
export const PCI_EXT_CAP_ID_ARI = 0x0e;
export const PCI_EXT_CAP_ID_ATS = 0x0f;
export const PCI_EXT_CAP_ID_SRIOV = 0x10;
export const PCI_EXT_CAP_ID_LTR = 0x18;
export const PCI_EXT_CAP_ID_SECPCI = 0x19;
/** Extended capabilities start here and the list always begins at this offset. */
export const PCI_EXT_CAP_START = 0x100;

/** Base class codes used by the catalogue (PCI Code and ID Assignment spec). */
export const PCI_CLASS = {
  storageNvme: 0x010802, // mass storage / NVM / NVMe
  ethernet: 0x020000,
  vga: 0x030000,
  hostBridge: 0x060000,
  isaBridge: 0x060100,
  pciBridge: 0x060400,
} as const;
