//! Natural order for control ids, so `1.10` sorts after `1.9` and `CC6.10` after `CC6.2`, as a reader
//! expects. Total and deterministic: ties on the natural key fall back to byte order.

use std::cmp::Ordering;

fn chunks(s: &str) -> impl Iterator<Item = (bool, &str)> {
    let bytes = s.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let digit = bytes[start].is_ascii_digit();
        let mut end = start;
        while end < bytes.len() && bytes[end].is_ascii_digit() == digit {
            end += 1;
        }
        let chunk = (digit, &s[start..end]);
        start = end;
        Some(chunk)
    })
}

pub fn compare(a: &str, b: &str) -> Ordering {
    let mut x = chunks(a);
    let mut y = chunks(b);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((true, p)), Some((true, q))) => {
                let p = p.trim_start_matches('0');
                let q = q.trim_start_matches('0');
                let o = p.len().cmp(&q.len()).then_with(|| p.cmp(q));
                if o != Ordering::Equal {
                    return o;
                }
            }
            (Some((_, p)), Some((_, q))) => {
                let o = p.cmp(q);
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::compare;

    #[test]
    fn numbers_inside_ids_sort_by_value() {
        let mut ids = vec![
            "1.10", "1.2", "1.9", "CC6.10", "CC6.2", "10.1", "2.1", "Art.32", "Art.5",
        ];
        ids.sort_by(|a, b| compare(a, b));
        assert_eq!(
            ids,
            ["1.2", "1.9", "1.10", "2.1", "10.1", "Art.5", "Art.32", "CC6.2", "CC6.10"]
        );
    }
}
