//! Merkle tree hash as defined by RFC 6962 (Certificate Transparency) section 2.1, over SHA-256:
//! leaves are hashed as `SHA-256(0x00 || data)`, interior nodes as `SHA-256(0x01 || left || right)`,
//! and a list of n > 1 leaves splits at the largest power of two below n. The prefixes keep a leaf
//! from ever being passed off as a node. Small enough to write out; the tests use the RFC 6962
//! reference vectors from the Certificate Transparency test suite.

use sha2::{Digest, Sha256};

fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// MTH(D[n]) of RFC 6962 over the given leaf data, in order.
pub fn root<T: AsRef<[u8]>>(leaves: &[T]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaf_hash(leaves[0].as_ref()),
        n => {
            let k = if n.is_power_of_two() {
                n / 2
            } else {
                1 << (usize::BITS - 1 - n.leading_zeros())
            };
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The leaves of a report's tree, in this order: one per evidence item (sorted by key)
/// `evidence\n{key}\n{version_id}\n{sha256}`, then `catalogue\n{version}`, then `template\n{version}`.
/// Binding key and version to each hash means the root also pins where every item lives.
pub fn report_leaves(
    evidence: impl IntoIterator<Item = (String, Option<String>, String)>,
    catalogue_version: &str,
    template_version: &str,
) -> Vec<Vec<u8>> {
    let mut leaves: Vec<Vec<u8>> = evidence
        .into_iter()
        .map(|(key, version, sha)| {
            format!("evidence\n{key}\n{}\n{sha}", version.unwrap_or_default()).into_bytes()
        })
        .collect();
    leaves.push(format!("catalogue\n{catalogue_version}").into_bytes());
    leaves.push(format!("template\n{template_version}").into_bytes());
    leaves
}

#[cfg(test)]
mod tests {
    use super::root;

    // RFC 6962 reference inputs and roots (certificate-transparency merkle_tree_test vectors).
    const INPUTS: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ];
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn empty_tree_is_the_hash_of_nothing() {
        assert_eq!(
            hex::encode(root::<&[u8]>(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn matches_the_rfc6962_reference_roots() {
        for n in 1..=8 {
            assert_eq!(hex::encode(root(&INPUTS[..n])), ROOTS[n - 1], "{n} leaves");
        }
    }
}
