//! Vectors as the index stores them (the `vector` field): each unit vector as one byte per
//! dimension (a signed 8-bit number) after a 4-byte scale, so that 384
//! dimensions take 388 bytes; and the dot products a search ranks by.
//!
//! The scale is the vector's largest magnitude over 127: every value keeps
//! its sign and about two decimal digits, and the dot of two quantised
//! vectors is an integer sum that the compiler vectorises.

/// The stored bytes of unit vector `v`: its scale (little-endian f32),
/// then one i8 per dimension.
pub fn quantise(v: &[f32]) -> Vec<u8> {
    let largest = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
    let mut out = Vec::with_capacity(4 + v.len());
    out.extend_from_slice(&scale.to_le_bytes());
    out.extend(
        v.iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8 as u8),
    );
    out
}

/// A query vector quantised as the stored ones are, to compare with them:
///
/// ```
/// use quire::vector::{QueryVector, quantise};
///
/// let stored = quantise(&[0.6, 0.8]);
/// assert_eq!(stored.len(), 4 + 2);
/// let cosine = QueryVector::new(&[0.8, 0.6]).cosine(&stored).unwrap();
/// assert!((cosine - 0.96).abs() < 0.01);
/// ```
pub struct QueryVector {
    values: Vec<u8>,
    scale: f32,
}

impl QueryVector {
    /// The query's unit vector `v`, quantised.
    pub fn new(v: &[f32]) -> QueryVector {
        let bytes = quantise(v);
        let (scale, values) = split(&bytes).expect("a quantised vector");
        QueryVector {
            values: values.to_vec(),
            scale,
        }
    }

    /// How many numbers the vector has.
    pub fn dimensions(&self) -> usize {
        self.values.len()
    }

    /// The cosine of the query and the stored vector `bytes`; `None` when
    /// `bytes` is no vector of this many dimensions.
    pub fn cosine(&self, bytes: &[u8]) -> Option<f32> {
        let (scale, values) = split(bytes)?;
        (values.len() == self.values.len())
            .then(|| dot(&self.values, values) as f32 * scale * self.scale)
    }
}

/// A stored vector's scale and values (i8s, as bytes).
pub(crate) fn split(bytes: &[u8]) -> Option<(f32, &[u8])> {
    let (scale, values) = bytes.split_first_chunk::<4>()?;
    let scale = f32::from_le_bytes(*scale);
    scale.is_finite().then_some((scale, values))
}

/// The stored vector `bytes` (the `vector` field) back as f32 values;
/// `None` when they are no stored vector.
pub fn decode(bytes: &[u8]) -> Option<Vec<f32>> {
    let (scale, values) = split(bytes)?;
    Some(values.iter().map(|&x| f32::from(x as i8) * scale).collect())
}

/// The dot product of two vectors of i8 (held as bytes), summed in i32.
/// Each product fits in an i16 (values are within ±127), which lets the
/// compiler multiply and add pairs 16 at a time (`pmaddwd`).
fn dot(a: &[u8], b: &[u8]) -> i32 {
    let (a16, a_rest) = a.as_chunks::<16>();
    let (b16, b_rest) = b.as_chunks::<16>();
    let mut sum = 0i32;
    for (x, y) in a16.iter().zip(b16) {
        let mut lane = 0i32;
        for i in 0..16 {
            lane += i32::from(i16::from(x[i] as i8) * i16::from(y[i] as i8));
        }
        sum += lane;
    }
    sum + a_rest
        .iter()
        .zip(b_rest)
        .map(|(&x, &y)| i32::from(x as i8) * i32::from(y as i8))
        .sum::<i32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &mut [f32]) {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= n);
    }

    #[test]
    fn quantised_cosines_stay_close_to_exact_ones() {
        let mut a: Vec<f32> = (0..384)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let mut b: Vec<f32> = (0..384)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) / 48.0)
            .collect();
        unit(&mut a);
        unit(&mut b);
        let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let stored = quantise(&b);
        assert_eq!(stored.len(), 388);
        let q = QueryVector::new(&a);
        let cosine = q.cosine(&stored).unwrap();
        assert!((cosine - exact).abs() < 0.01, "{cosine} vs {exact}");
        let self_cosine = QueryVector::new(&b).cosine(&stored).unwrap();
        assert!((self_cosine - 1.0).abs() < 0.01, "{self_cosine}");
        let back = decode(&stored).unwrap();
        assert!(back.iter().zip(&b).all(|(x, y)| (x - y).abs() < 0.01));
    }

    #[test]
    fn other_shapes_are_no_vectors() {
        let q = QueryVector::new(&[0.6, 0.8]);
        assert_eq!(q.cosine(&quantise(&[1.0, 0.0, 0.0])), None);
        assert_eq!(q.cosine(&[1, 2]), None);
        assert_eq!(q.cosine(&[]), None);
        assert_eq!(
            QueryVector::new(&[0.0, 0.0]).cosine(&quantise(&[0.6, 0.8])),
            Some(0.0)
        );
    }
}
