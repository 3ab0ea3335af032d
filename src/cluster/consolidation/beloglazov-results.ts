/**
 * The published results we compare against: Beloglazov and Buyya, "Optimal online
 * deterministic algorithms and adaptive heuristics for energy and performance efficient
 * dynamic consolidation of virtual machines in cloud data centers", CCPE 24(13):1397-1420,
 * 2012, section 7.4, the table "simulation results of the best algorithm combinations and
 * benchmark algorithms (median values)" over the ten PlanetLab days. Units as printed:
 * energy kWh, SLATAH and PDM in %, SLAV x 10^-5, ESV x 10^-3, migrations x 10^3.
 * The paper gives 0 for every SLA column of NPA and DVFS (they never migrate).
 */

export interface PublishedRow {
  policy: string;
  energyKwh: number;
  slatahPercent: number;
  pdmPercent: number;
  slavE5: number;
  esvE3: number;
  migrationsE3: number;
}

export const PUBLISHED_MEDIANS: readonly PublishedRow[] = [
  { policy: "NPA", energyKwh: 2419.2, slatahPercent: 0, pdmPercent: 0, slavE5: 0, esvE3: 0, migrationsE3: 0 },
  { policy: "DVFS", energyKwh: 613.6, slatahPercent: 0, pdmPercent: 0, slavE5: 0, esvE3: 0, migrationsE3: 0 },
  {
    policy: "THR-MMT-1.0",
    energyKwh: 75.36,
    slatahPercent: 24.97,
    pdmPercent: 0.1,
    slavE5: 25.78,
    esvE3: 20.12,
    migrationsE3: 13.64,
  },
  {
    policy: "THR-MMT-0.8",
    energyKwh: 89.92,
    slatahPercent: 4.61,
    pdmPercent: 0.1,
    slavE5: 4.57,
    esvE3: 4.19,
    migrationsE3: 17.18,
  },
  {
    policy: "IQR-MMT-1.5",
    energyKwh: 90.13,
    slatahPercent: 4.64,
    pdmPercent: 0.1,
    slavE5: 4.51,
    esvE3: 4.0,
    migrationsE3: 16.93,
  },
  {
    policy: "MAD-MMT-2.5",
    energyKwh: 87.67,
    slatahPercent: 4.65,
    pdmPercent: 0.1,
    slavE5: 4.48,
    esvE3: 3.94,
    migrationsE3: 14.46,
  },
  {
    policy: "LRR-MMT-1.2",
    energyKwh: 87.93,
    slatahPercent: 3.98,
    pdmPercent: 0.07,
    slavE5: 2.77,
    esvE3: 2.43,
    migrationsE3: 12.18,
  },
  {
    policy: "LR-MMT-1.2",
    energyKwh: 88.17,
    slatahPercent: 3.63,
    pdmPercent: 0.06,
    slavE5: 2.33,
    esvE3: 1.98,
    migrationsE3: 11.0,
  },
];

export function publishedRow(label: string): PublishedRow | undefined {
  return PUBLISHED_MEDIANS.find((r) => r.policy === label);
}
