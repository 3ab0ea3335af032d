import { describe, expect, it } from "vitest";
import { parseFilefrag } from "./extent-map.js";

describe("filefrag -v parsing (FIEMAP)", () => {
  it("reads byte ranges, the 'expected' column, and the shared and unwritten flags", () => {
    // Output of e2fsprogs 1.47 filefrag -v on ext4 (a data extent, then an fallocated one)
    // and on XFS (a reflinked extent).
    const ext4 = `Filesystem type is: ef53
File size of sp is 1073741824 (262144 blocks of 4096 bytes)
 ext:     logical_offset:        physical_offset: length:   expected: flags:
   0:    25600..   26367:    6212608..   6213375:    768:      25600:
   1:   128000..  128511:    6210560..   6211071:    512:    6315008: last,unwritten
sp: 2 extents found
`;
    expect(parseFilefrag(ext4)).toEqual([
      {
        logical: 25600 * 4096,
        physical: 6212608 * 4096,
        length: 768 * 4096,
        shared: false,
        unwritten: false,
      },
      {
        logical: 128000 * 4096,
        physical: 6210560 * 4096,
        length: 512 * 4096,
        shared: false,
        unwritten: true,
      },
    ]);
    const xfs = `Filesystem type is: 58465342
File size of b is 104857600 (25600 blocks of 4096 bytes)
 ext:     logical_offset:        physical_offset: length:   expected: flags:
   0:        0..   25599:         24..     25623:  25600:             last,shared,eof
b: 1 extent found
`;
    expect(parseFilefrag(xfs)).toEqual([
      { logical: 0, physical: 24 * 4096, length: 25600 * 4096, shared: true, unwritten: false },
    ]);
  });

  it("returns null for output without a block size (FIEMAP unsupported)", () => {
    expect(parseFilefrag("x: FIBMAP/FIEMAP unsupported\n")).toBeNull();
  });
});
