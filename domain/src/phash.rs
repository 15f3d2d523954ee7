//! Finding "the same photo" among a million perceptual hashes without comparing against each:
//! multi-index hashing. A 64-bit hash is cut into four 16-bit bands. Two hashes within distance
//! `d ≤ 7` differ, by the pigeonhole principle, in at most ⌊d / 4⌋ ≤ 1 bits in at least one band —
//! so it is enough to look up, in each band, the hash's own value and (for d ≥ 4) its 16 one-bit
//! neighbours, and to compare only the candidates those lookups return.
//!
//! The database keeps the bands in an indexed table; [`PhashIndex`] is the same structure in memory
//! (for the benchmark and for tests).

use std::collections::HashMap;

/// Hashes further apart than this cannot be searched through the bands.
pub const MAX_INDEXED_DISTANCE: u32 = 7;

pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The four 16-bit bands of a hash.
pub fn bands(h: u64) -> [u16; 4] {
    [0, 1, 2, 3].map(|i| ((h >> (16 * i)) & 0xFFFF) as u16)
}

/// The (band, value) pairs to look up for hashes within `max_distance` of `h` (at most 7).
pub fn probes(h: u64, max_distance: u32) -> Vec<(u8, u16)> {
    let radius = max_distance.min(MAX_INDEXED_DISTANCE) / 4;
    let mut out = Vec::with_capacity(if radius == 0 { 4 } else { 68 });
    for (band, value) in bands(h).into_iter().enumerate() {
        let band = band as u8;
        out.push((band, value));
        if radius >= 1 {
            out.extend((0..16).map(|bit| (band, value ^ (1 << bit))));
        }
    }
    out
}

/// An in-memory index of perceptual hashes.
#[derive(Debug, Default)]
pub struct PhashIndex {
    hashes: Vec<u64>,
    bands: HashMap<(u8, u16), Vec<u32>>,
}

impl PhashIndex {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Adds a hash; returns its position.
    pub fn insert(&mut self, h: u64) -> usize {
        let id = self.hashes.len();
        self.hashes.push(h);
        for (band, value) in bands(h).into_iter().enumerate() {
            self.bands.entry((band as u8, value)).or_default().push(id as u32);
        }
        id
    }

    /// Positions of the hashes within `max_distance` (at most 7) of `h`.
    pub fn within(&self, h: u64, max_distance: u32) -> Vec<usize> {
        let max = max_distance.min(MAX_INDEXED_DISTANCE);
        let mut out: Vec<usize> = probes(h, max)
            .into_iter()
            .filter_map(|k| self.bands.get(&k))
            .flatten()
            .map(|i| *i as usize)
            .filter(|i| distance(self.hashes[*i], h) <= max)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn the_index_finds_exactly_what_a_linear_scan_finds() {
        let mut rng = SplitMix64::new(42);
        let mut index = PhashIndex::new();
        let mut all = vec![];
        for _ in 0..20_000 {
            let h = rng.next_u64();
            all.push(h);
            index.insert(h);
        }
        // Near copies of stored hashes at every distance up to 7, and random queries.
        for d in 0..=7u32 {
            for k in 0..50 {
                let base = all[(k * 397) % all.len()];
                let mut q = base;
                let mut flipped = 0;
                let mut bit = k as u32;
                while flipped < d {
                    q ^= 1 << (bit % 64);
                    bit += 13;
                    flipped += 1;
                }
                for max in [d, 6, 7] {
                    let linear: Vec<usize> =
                        all.iter().enumerate().filter(|(_, h)| distance(**h, q) <= max).map(|(i, _)| i).collect();
                    assert_eq!(index.within(q, max), linear, "distance {d}, max {max}");
                }
            }
        }
        for _ in 0..200 {
            let q = rng.next_u64();
            assert_eq!(index.within(q, 6), Vec::<usize>::new());
        }
    }

    #[test]
    fn probes_cover_one_bit_neighbours_only_when_needed() {
        assert_eq!(probes(0, 3).len(), 4);
        assert_eq!(probes(0, 6).len(), 68);
        assert_eq!(probes(u64::MAX, 7).len(), 68);
        assert_eq!(bands(0x0001_0002_0003_0004), [4, 3, 2, 1]);
    }
}
