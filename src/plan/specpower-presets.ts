/**
 * SPECpower_ssj2008 power tables (watts at 0, 10, ..., 100% load) of the servers CloudSim
 * ships as PowerModelSpecPower subclasses, for plan files that name a real server instead
 * of giving watts. Values are measurements published by SPEC (the CloudSim class comments
 * cite results res2011q1 ...-20110127-00342 for the ML110 G4 and ...-20110124-00339 for
 * the G5); copied as facts from the project's data-centre spec (datacenter-sim.md 1.3),
 * which lists them per CloudSim class.
 */
export const SPECPOWER_PRESETS = {
  /** HP ProLiant ML110 G4 (Xeon 3040); CloudSim PowerModelSpecPowerHpProLiantMl110G4Xeon3040. */
  "hp-ml110-g4": [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117],
  /** HP ProLiant ML110 G5 (Xeon 3075); CloudSim PowerModelSpecPowerHpProLiantMl110G5Xeon3075. */
  "hp-ml110-g5": [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135],
  /** HP ProLiant ML110 G3 (Pentium D930). */
  "hp-ml110-g3": [105, 112, 118, 125, 131, 137, 147, 153, 157, 164, 169],
  /** IBM x3250 (Xeon X3470). */
  "ibm-x3250-x3470": [41.6, 46.7, 52.3, 57.9, 65.4, 73, 80.7, 89.5, 99.6, 105, 113],
  /** IBM x3250 (Xeon X3480). */
  "ibm-x3250-x3480": [42.3, 46.7, 49.7, 55.4, 61.8, 69.3, 76.1, 87, 96.1, 106, 113],
  /** IBM x3550 (Xeon X5670). */
  "ibm-x3550-x5670": [66, 107, 120, 131, 143, 156, 173, 191, 211, 229, 247],
  /** IBM x3550 (Xeon X5675). */
  "ibm-x3550-x5675": [58.4, 98, 109, 118, 128, 140, 153, 170, 189, 205, 222],
} as const satisfies Record<string, readonly number[]>;

export type SpecPowerPreset = keyof typeof SPECPOWER_PRESETS;

export const SPECPOWER_PRESET_NAMES = Object.keys(SPECPOWER_PRESETS) as SpecPowerPreset[];
