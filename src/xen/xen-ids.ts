/**
 * Identifiers of the hypervisor model, branded so a domain id, a vCPU index and a pCPU
 * number cannot be mixed up (STYLE.md 10). Values follow Xen's public headers.
 */

/** A domain id as Xen assigns it: dom0 is 0, guests count up from 1. */
export type DomId = number & { readonly __domid: true };
/** A vCPU's host-wide index into the vCPU table (not Xen's per-domain vcpu_id). */
export type VcpuIdx = number & { readonly __vcpu: true };

/** DOMID_IDLE (xen/include/public/xen.h): the idle domain, owner of the idle vCPUs. */
export const DOMID_IDLE = 0x7fff as DomId;
/** DOMID_DEFAULT as xenalyze names its catch-all domain (tools/xentrace/xenalyze.c). */
export const DOMID_DEFAULT = 0x8000;

/** XEN_SCHEDULER_* ids (xen/include/public/domctl.h). */
export const XEN_SCHEDULER = { credit: 5, credit2: 6, arinc653: 7, rtds: 8, null: 9 } as const;
