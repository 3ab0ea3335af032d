/**
 * Grant tables, version 1: `xen/include/public/grant_table.h` (entries, flags, ops,
 * status codes) and `xen/common/grant_table.c` (map_grant_ref, unmap_grant_ref,
 * gnttab_copy: checks, pin counts, maptrack handles), spec interfaces.md 3.2.
 *
 * Design. A domain's table is an array of grant_entry_v1 {u16 flags, u16 domid,
 * u32 frame} in frames of 512 entries, grown on demand up to `maxFrames`
 * (gnttab_max_frames: 32 in Xen 3.4-4.9, 64 later). The guest side (Linux
 * gnttab_grant_foreign_access_ref / gnttab_end_foreign_access_ref) writes entries and
 * keeps a free list of references from 8 up (0-7 are reserved: console, xenstore).
 * Xen's side keeps an active entry per reference with four 8-bit pin counters packed
 * as Xen does (GNTPIN_hstw/hstr/devw/devr at bits 0/8/16/24) and, per mapping domain,
 * a maptrack table whose index is the handle map returns.
 *   map:   validate (host_map or device_map asked; ref in range; when not yet pinned,
 *          type permit_access and domid == mapper; no writable map of a readonly
 *          grant); set GTF_reading (+ GTF_writing if writable); pin; take a handle.
 *   unmap: drop the pins; clear GTF_writing with the last write pin and GTF_reading
 *          with the last pin of any kind.
 *   copy:  offsets + len within the page (else GNTST_bad_copy_arg); each gref side is
 *          pinned transiently (reading, + writing for the destination) and released.
 * Results are GNTST_* values (STYLE 12a); misuse is counted, never thrown.
 */

/** Entries per 4 KiB frame of grant_entry_v1 (8 bytes each). */
export const GRANT_ENTRIES_PER_FRAME = 512;
/** NR_RESERVED_ENTRIES: 0 = console, 1 = xenstore, up to 7 reserved for the toolstack. */
export const NR_RESERVED_ENTRIES = 8;
/** Maptrack entries per frame: 4096 / sizeof(struct grant_mapping) (16 bytes in Xen 4.x). */
export const MAPTRACK_PER_FRAME = 256;
export const PAGE_SIZE = 4096;

/** grant_entry_v1.flags. */
export const GTF_invalid = 0;
export const GTF_permit_access = 1;
export const GTF_accept_transfer = 2;
export const GTF_transitive = 3;
export const GTF_type_mask = 3;
export const GTF_readonly = 1 << 2;
export const GTF_reading = 1 << 3;
export const GTF_writing = 1 << 4;
export const GTF_sub_page = 1 << 8;

/** gnttab_map_grant_ref.flags. */
export const GNTMAP_device_map = 1 << 0;
export const GNTMAP_host_map = 1 << 1;
export const GNTMAP_readonly = 1 << 2;
export const GNTMAP_application_map = 1 << 3;
export const GNTMAP_contains_pte = 1 << 4;

/** gnttab_copy.flags. */
export const GNTCOPY_source_gref = 1 << 0;
export const GNTCOPY_dest_gref = 1 << 1;

/** GNTTABOP_* of __HYPERVISOR_grant_table_op (20). */
export const GNTTABOP = {
  map_grant_ref: 0,
  unmap_grant_ref: 1,
  setup_table: 2,
  dump_table: 3,
  transfer: 4,
  copy: 5,
  query_size: 6,
  unmap_and_replace: 7,
  set_version: 8,
  get_status_frames: 9,
  get_version: 10,
  swap_grant_ref: 11,
  cache_flush: 12,
} as const;

export const GNTST_okay = 0;
export const GNTST_general_error = -1;
export const GNTST_bad_domain = -2;
export const GNTST_bad_gntref = -3;
export const GNTST_bad_handle = -4;
export const GNTST_bad_virt_addr = -5;
export const GNTST_bad_dev_addr = -6;
export const GNTST_no_device_space = -7;
export const GNTST_permission_denied = -8;
export const GNTST_bad_page = -9;
export const GNTST_bad_copy_arg = -10;
export const GNTST_address_too_big = -11;
export const GNTST_eagain = -12;
export const GNTST_no_space = -13;
export const GNTST_NAMES: Readonly<Record<number, string>> = {
  0: "okay",
  [-1]: "general_error",
  [-2]: "bad_domain",
  [-3]: "bad_gntref",
  [-4]: "bad_handle",
  [-5]: "bad_virt_addr",
  [-6]: "bad_dev_addr",
  [-7]: "no_device_space",
  [-8]: "permission_denied",
  [-9]: "bad_page",
  [-10]: "bad_copy_arg",
  [-11]: "address_too_big",
  [-12]: "eagain",
  [-13]: "no_space",
};

/** Pin counters in one u32 (GNTPIN_*_shift/inc/mask). */
const GNTPIN_hstw_inc = 1 << 0;
const GNTPIN_hstr_inc = 1 << 8;
const GNTPIN_devw_inc = 1 << 16;
const GNTPIN_devr_inc = 1 << 24;
const GNTPIN_hstw_mask = 0xff << 0;
const GNTPIN_devw_mask = 0xff << 16;

/** gnttab_max_frames by Xen release: 32 up to 4.9 (DEFAULT_MAX_NR_GRANT_FRAMES), 64 from 4.10. */
export function defaultMaxGrantFrames(version: string): number {
  const [maj, min] = version.split(".").map(Number);
  return maj > 4 || (maj === 4 && min >= 10) ? 64 : 32;
}

/** One domain's grant table (guest entries + Xen's active entries) and its maptrack. */
export class GrantTable {
  nrFrames = 1;
  readonly flags: Uint16Array;
  readonly grantee: Uint16Array;
  readonly frame: Uint32Array;
  /** Xen's active entry pin counts. */
  readonly pin: Uint32Array;
  /** Guest free list of references (a stack). */
  private readonly free: Int32Array;
  private freeTop = 0;
  private nextUnused = NR_RESERVED_ENTRIES;
  /** Maptrack: handle -> (granter table index, ref, GNTMAP flags); -1 ref = free. */
  private readonly mtDom: Int32Array;
  private readonly mtRef: Int32Array;
  private readonly mtFlags: Uint8Array;
  private readonly mtFree: Int32Array;
  private mtFreeTop = 0;
  private mtNext = 0;
  /** Guest ran out of references (gnttab_alloc_grant_references failed). */
  refExhausted = 0;

  constructor(
    /** Position in GrantTables.tables. */
    readonly index: number,
    readonly domid: number,
    readonly maxFrames: number,
    readonly maxMaptrack: number,
  ) {
    const cap = maxFrames * GRANT_ENTRIES_PER_FRAME;
    this.flags = new Uint16Array(cap);
    this.grantee = new Uint16Array(cap);
    this.frame = new Uint32Array(cap);
    this.pin = new Uint32Array(cap);
    this.free = new Int32Array(cap);
    this.mtDom = new Int32Array(maxMaptrack);
    this.mtRef = new Int32Array(maxMaptrack).fill(-1);
    this.mtFlags = new Uint8Array(maxMaptrack);
    this.mtFree = new Int32Array(maxMaptrack);
  }

  /** nr_grant_entries. */
  get nrEntries(): number {
    return this.nrFrames * GRANT_ENTRIES_PER_FRAME;
  }

  /** Maptrack handles in use. */
  get mapsInUse(): number {
    return this.mtNext - this.mtFreeTop;
  }

  // ---- guest side (Linux drivers/xen/grant-table.c) ------------------------------

  /** gnttab_claim_grant_reference: a free reference (growing the table up to maxFrames), or -1. */
  claimRef(): number {
    if (this.freeTop > 0) return this.free[--this.freeTop];
    if (this.nextUnused >= this.nrEntries) {
      if (this.nrFrames >= this.maxFrames) {
        this.refExhausted++;
        return -1;
      }
      this.nrFrames++; // gnttab_expand -> GNTTABOP_setup_table
    }
    return this.nextUnused++;
  }

  /** gnttab_release_grant_reference. */
  releaseRef(ref: number): void {
    this.free[this.freeTop++] = ref;
  }

  /** gnttab_grant_foreign_access_ref: domid and frame first, then (after a barrier) the flags. */
  grantAccess(ref: number, domid: number, frame: number, readonly: boolean): void {
    this.grantee[ref] = domid;
    this.frame[ref] = frame;
    this.flags[ref] = GTF_permit_access | (readonly ? GTF_readonly : 0);
  }

  /** gnttab_end_foreign_access_ref: revoke unless Xen has it pinned (reading/writing set). */
  endAccess(ref: number): boolean {
    const f = this.flags[ref];
    if ((f & (GTF_reading | GTF_writing)) !== 0) return false;
    this.flags[ref] = 0;
    return true;
  }

  // ---- maptrack ----------------------------------------------------------------------

  getMaptrack(dom: number, ref: number, flags: number): number {
    let h: number;
    if (this.mtFreeTop > 0) h = this.mtFree[--this.mtFreeTop];
    else if (this.mtNext < this.maxMaptrack) h = this.mtNext++;
    else return -1;
    this.mtDom[h] = dom;
    this.mtRef[h] = ref;
    this.mtFlags[h] = flags;
    return h;
  }

  putMaptrack(h: number): void {
    this.mtRef[h] = -1;
    this.mtFree[this.mtFreeTop++] = h;
  }

  maptrack(h: number): { dom: number; ref: number; flags: number } | undefined {
    if (h < 0 || h >= this.mtNext || this.mtRef[h] < 0) return undefined;
    return { dom: this.mtDom[h], ref: this.mtRef[h], flags: this.mtFlags[h] };
  }

  mtDomOf(h: number): number {
    return this.mtDom[h];
  }
  mtRefOf(h: number): number {
    return h >= 0 && h < this.mtNext ? this.mtRef[h] : -1;
  }
  mtFlagsOf(h: number): number {
    return this.mtFlags[h];
  }
}

/** Counters of the grant-table hypercalls host-wide. */
export class GnttabStats {
  maps = 0;
  unmaps = 0;
  copies = 0;
  copyBytes = 0;
  /** Failed ops by GNTST code. */
  readonly errors = new Map<number, number>();
  reset(): void {
    this.maps = 0;
    this.unmaps = 0;
    this.copies = 0;
    this.copyBytes = 0;
    this.errors.clear();
  }
}

/** Every domain's grant table and Xen's operations on them. */
export class GrantTables {
  readonly tables: GrantTable[] = [];
  readonly stats = new GnttabStats();

  constructor(
    readonly maxFrames = 32,
    /** Maptrack frames per domain (gnttab_max_maptrack_frames, default 1024). */
    readonly maxMaptrackFrames = 1024,
  ) {}

  /** grant_table_init for a new domain. */
  addDomain(domid: number): GrantTable {
    const t = new GrantTable(
      this.tables.length,
      domid,
      this.maxFrames,
      this.maxMaptrackFrames * MAPTRACK_PER_FRAME,
    );
    this.tables.push(t);
    return t;
  }

  byDomid(domid: number): GrantTable | undefined {
    return this.tables.find((t) => t.domid === domid);
  }

  private fail(st: number): number {
    this.stats.errors.set(st, (this.stats.errors.get(st) ?? 0) + 1);
    return st;
  }

  /**
   * GNTTABOP_map_grant_ref by `mapper` of `granter`'s reference `ref`. Returns the
   * handle (>= 0) or a GNTST_* error (< 0).
   */
  map(mapper: GrantTable, granter: GrantTable | undefined, ref: number, flags: number): number {
    if ((flags & (GNTMAP_device_map | GNTMAP_host_map)) === 0) return this.fail(GNTST_bad_gntref);
    if (granter === undefined) return this.fail(GNTST_bad_domain);
    if (ref < 0 || ref >= granter.nrEntries) return this.fail(GNTST_bad_gntref);
    const readonly = (flags & GNTMAP_readonly) !== 0;
    const pin = granter.pin[ref];
    const f = granter.flags[ref];
    const needsCheck = pin === 0 || (!readonly && (pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) === 0);
    if (needsCheck) {
      if ((f & (GTF_type_mask | GTF_sub_page)) !== GTF_permit_access || granter.grantee[ref] !== mapper.domid)
        return this.fail(GNTST_general_error);
      if (!readonly && (f & GTF_readonly) !== 0) return this.fail(GNTST_general_error);
    }
    const h = mapper.getMaptrack(granter.index, ref, flags);
    if (h < 0) return this.fail(GNTST_no_device_space);
    granter.flags[ref] = f | GTF_reading | (readonly ? 0 : GTF_writing);
    let inc = 0;
    if (flags & GNTMAP_device_map) inc += readonly ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    if (flags & GNTMAP_host_map) inc += readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    granter.pin[ref] = pin + inc;
    this.stats.maps++;
    return h;
  }

  /** GNTTABOP_unmap_grant_ref of `mapper`'s handle; GNTST_okay or an error. */
  unmap(mapper: GrantTable, handle: number): number {
    const ref = mapper.mtRefOf(handle);
    if (ref < 0) return this.fail(GNTST_bad_handle);
    const granter = this.tables[mapper.mtDomOf(handle)];
    const flags = mapper.mtFlagsOf(handle);
    const readonly = (flags & GNTMAP_readonly) !== 0;
    let dec = 0;
    if (flags & GNTMAP_device_map) dec += readonly ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    if (flags & GNTMAP_host_map) dec += readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    const pin = granter.pin[ref] - dec;
    granter.pin[ref] = pin;
    if ((pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) === 0) granter.flags[ref] &= ~GTF_writing;
    if (pin === 0) granter.flags[ref] &= ~GTF_reading;
    mapper.putMaptrack(handle);
    this.stats.unmaps++;
    return GNTST_okay;
  }

  /** acquire_grant_for_copy's checks for one gref side; GNTST_okay or an error. */
  private checkCopySide(caller: GrantTable, t: GrantTable | undefined, ref: number, write: boolean): number {
    if (t === undefined) return GNTST_bad_domain;
    if (ref < 0 || ref >= t.nrEntries) return GNTST_bad_gntref;
    const f = t.flags[ref];
    if (t.pin[ref] === 0 || (write && (t.pin[ref] & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) === 0)) {
      if ((f & GTF_type_mask) !== GTF_permit_access || t.grantee[ref] !== caller.domid)
        return GNTST_general_error;
      if (write && (f & GTF_readonly) !== 0) return GNTST_general_error;
    }
    return GNTST_okay;
  }

  /**
   * GNTTABOP_copy issued by `caller`: `len` bytes from a source (a gref of `src` when
   * `srcRef >= 0`, else the caller's own frame) to a destination (a gref of `dst` when
   * `dstRef >= 0`). Returns the op's status. Transient pins leave the flags as found.
   * Hot path: benchmarked by `io.netback`.
   */
  copy(
    caller: GrantTable,
    src: GrantTable | undefined,
    srcRef: number,
    srcOffset: number,
    dst: GrantTable | undefined,
    dstRef: number,
    dstOffset: number,
    len: number,
  ): number {
    if (srcOffset + len > PAGE_SIZE || dstOffset + len > PAGE_SIZE || len < 0)
      return this.fail(GNTST_bad_copy_arg);
    if (srcRef >= 0) {
      const st = this.checkCopySide(caller, src, srcRef, false);
      if (st !== GNTST_okay) return this.fail(st);
    }
    if (dstRef >= 0) {
      const st = this.checkCopySide(caller, dst, dstRef, true);
      if (st !== GNTST_okay) return this.fail(st);
    }
    this.stats.copies++;
    this.stats.copyBytes += len;
    return GNTST_okay;
  }
}
