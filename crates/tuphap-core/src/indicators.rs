//! Decision 766/QĐ-TTg indicators of online public services, as code (registries.md §6.2, §6.5):
//! pure functions from the facts of dossiers (one [`DossierFacts`] per dossier, built from
//! `dossiers` and `dossier_events`) to counts ([`Counts`]) and from counts to rates ([`Ratio`]:
//! numerator and denominator, never only a percentage).
//!
//! The store computes the same [`Counts`] with one `GROUP BY` query at national volume
//! (`tuphap_store::indicators`); [`Counts::tally`] is the reference that query is tested against.
//!
//! # Sources
//!
//! Decision 766/QĐ-TTg (23/06/2022) and its formula sheet "Mô tả công thức tính chỉ số 766", as
//! transcribed in registries.md §6.2: 2.1 on-time rate, 3.3 online submission (`KenhThucHien`),
//! 3.6 online payment (`DuocThanhToanTrucTuyen`), 4.1 electronic results, 4.2 digitisation, 5.4
//! satisfaction.
//!
//! # Cohorts (choices where the sheet is silent)
//!
//! A period is `[from, to)` in unix microseconds (the pages and the API pass whole Vietnam days).
//!
//! * **Received** in the period: `NgayTiepNhan` (`received_at`) in the period. A dossier refused
//!   or withdrawn before an officer received it is not a received dossier.
//! * **Finished** in the period: received, and `NgayKetThucXuLy` (`finished_at`) in the period —
//!   processed, refused, stopped or withdrawn after receipt (the sheet's end states).
//! * **Settled**: finished as processed or result returned (a result exists to speak of).
//! * **Fee-bearing**: received in the period with a fee (`fee_vnd > 0`).

use serde::Serialize;

use crate::dossier::DossierStatus;

/// A rating at or below this score (of 1–5) counts as a dislike (5.4).
pub const DISLIKE_MAX_SCORE: i32 = 2;

/// A period `[from, to)` in unix microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

impl Period {
    /// Whether the instant `t` (absent: no) lies in the period.
    pub fn contains(&self, t: Option<i64>) -> bool {
        t.is_some_and(|t| self.from <= t && t < self.to)
    }
}

/// What the indicators need to know about one dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierFacts {
    /// `KenhThucHien`: 1 in person, 2 online, 3 post.
    pub channel: i32,
    pub status: DossierStatus,
    pub received_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// Finished after the due date (supplement pauses already added to it), Form 04 issued, or
    /// a second supplement request (the dossier row's `late`).
    pub late: bool,
    /// An electronic result is attached (`has_result`, 4.1).
    pub has_result: bool,
    /// At least one component of the dossier carries a file (`dossier_files`, 4.2).
    pub has_files: bool,
    pub fee_vnd: i64,
    /// `DuocThanhToanTrucTuyen`: 0 no, 1 national portal, 2 ministry or provincial gateway.
    pub paid_online: i32,
    /// The lowest satisfaction score (1–5) the citizen gave, if any.
    pub lowest_rating: Option<i32>,
}

/// The counts every indicator is computed from, for one office, province or the country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Received in the period.
    pub received: i64,
    /// Received in the period, channel 2 (online).
    pub received_online: i64,
    /// Finished in the period (received, then processed, refused, stopped or withdrawn).
    pub finished: i64,
    /// Finished in the period and not late.
    pub finished_on_time: i64,
    /// Finished in the period as processed or result returned.
    pub settled: i64,
    /// Settled with an electronic result.
    pub settled_e_result: i64,
    /// Settled with an electronic result and files on the dossier's components.
    pub settled_digitised: i64,
    /// Settled, filed online and with an electronic result.
    pub settled_fully_online: i64,
    /// Received in the period with a fee.
    pub fee_bearing: i64,
    /// Fee-bearing and paid online (1 or 2).
    pub fee_paid_online: i64,
    /// Finished in the period, not late, rated ≤ [`DISLIKE_MAX_SCORE`]; `None` when ratings are
    /// not available.
    pub finished_disliked: Option<i64>,
}

impl Default for Counts {
    /// Nothing counted, ratings collected (`finished_disliked: Some(0)`): the start of a sum.
    fn default() -> Counts {
        Counts {
            received: 0,
            received_online: 0,
            finished: 0,
            finished_on_time: 0,
            settled: 0,
            settled_e_result: 0,
            settled_digitised: 0,
            settled_fully_online: 0,
            fee_bearing: 0,
            fee_paid_online: 0,
            finished_disliked: Some(0),
        }
    }
}

impl Counts {
    /// The counts of `facts` over `period`; `ratings` says whether ratings were collected (else
    /// [`Counts::finished_disliked`] is `None`).
    ///
    /// ```
    /// use tuphap_core::dossier::DossierStatus;
    /// use tuphap_core::indicators::{Counts, DossierFacts, Period};
    /// let done = DossierFacts {
    ///     channel: 2, status: DossierStatus::ResultReturned, received_at: Some(10),
    ///     finished_at: Some(20), late: false, has_result: true, has_files: true,
    ///     fee_vnd: 8000, paid_online: 1, lowest_rating: Some(5),
    /// };
    /// let late = DossierFacts { channel: 1, late: true, paid_online: 0, ..done.clone() };
    /// let c = Counts::tally(Period { from: 0, to: 100 }, &[done, late], true);
    /// assert_eq!((c.received, c.received_online, c.finished, c.finished_on_time), (2, 1, 2, 1));
    /// assert_eq!((c.fee_bearing, c.fee_paid_online, c.finished_disliked), (2, 1, Some(0)));
    /// ```
    pub fn tally(period: Period, facts: &[DossierFacts], ratings: bool) -> Counts {
        let mut c = Counts {
            finished_disliked: ratings.then_some(0),
            ..Counts::default()
        };
        for f in facts {
            let received = period.contains(f.received_at);
            if received {
                c.received += 1;
                c.received_online += i64::from(f.channel == 2);
                if f.fee_vnd > 0 {
                    c.fee_bearing += 1;
                    c.fee_paid_online += i64::from(matches!(f.paid_online, 1 | 2));
                }
            }
            let finished =
                f.received_at.is_some() && f.status.is_finished() && period.contains(f.finished_at);
            if !finished {
                continue;
            }
            c.finished += 1;
            c.finished_on_time += i64::from(!f.late);
            if let Some(d) = c.finished_disliked.as_mut() {
                *d += i64::from(!f.late && f.lowest_rating.is_some_and(|s| s <= DISLIKE_MAX_SCORE));
            }
            if matches!(
                f.status,
                DossierStatus::Processed | DossierStatus::ResultReturned
            ) {
                c.settled += 1;
                c.settled_e_result += i64::from(f.has_result);
                c.settled_digitised += i64::from(f.has_result && f.has_files);
                c.settled_fully_online += i64::from(f.has_result && f.channel == 2);
            }
        }
        c
    }

    /// The sum of two groups' counts (a province from its offices, the country from its
    /// provinces).
    pub fn add(&self, o: &Counts) -> Counts {
        Counts {
            received: self.received + o.received,
            received_online: self.received_online + o.received_online,
            finished: self.finished + o.finished,
            finished_on_time: self.finished_on_time + o.finished_on_time,
            settled: self.settled + o.settled,
            settled_e_result: self.settled_e_result + o.settled_e_result,
            settled_digitised: self.settled_digitised + o.settled_digitised,
            settled_fully_online: self.settled_fully_online + o.settled_fully_online,
            fee_bearing: self.fee_bearing + o.fee_bearing,
            fee_paid_online: self.fee_paid_online + o.fee_paid_online,
            finished_disliked: match (self.finished_disliked, o.finished_disliked) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            },
        }
    }
}

/// A rate with what it is made of. An empty denominator has no percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
}

impl Ratio {
    pub fn new(numerator: i64, denominator: i64) -> Ratio {
        Ratio {
            numerator,
            denominator,
        }
    }

    /// The rate in percent, `None` when nothing was counted.
    ///
    /// ```
    /// use tuphap_core::indicators::Ratio;
    /// assert_eq!(Ratio::new(1, 8).percent(), Some(12.5));
    /// assert_eq!(Ratio::new(0, 0).percent(), None);
    /// ```
    pub fn percent(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 * 100.0 / self.denominator as f64)
    }

    /// The rate in hundredths of a percent, rounded half up (exact integer arithmetic):
    /// `9728` is 97.28 %.
    pub fn basis_points(&self) -> Option<i64> {
        (self.denominator > 0)
            .then(|| (self.numerator * 20_000 + self.denominator) / (2 * self.denominator))
    }

    /// Whether the rate reaches `target` (in hundredths of a percent); `None` when nothing was
    /// counted. Exact: `numerator / denominator ≥ target / 10000`.
    pub fn meets(&self, target: Target) -> Option<bool> {
        (self.denominator > 0)
            .then(|| self.numerator * 10_000 >= i64::from(target.basis_points) * self.denominator)
    }
}

/// A target (full marks at or above), in hundredths of a percent, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Target {
    pub basis_points: u32,
    pub source: &'static str,
}

/// 2.1: the provincial snapshot of registries.md §6.2 is scored against 98 %.
pub const TARGET_ON_TIME: Target = Target {
    basis_points: 9_800,
    source: "Chỉ số 2.1 (mục tiêu 98%)",
};
/// 3.3: at least 50 % of dossiers filed online.
pub const TARGET_ONLINE: Target = Target {
    basis_points: 5_000,
    source: "Chỉ số 3.3 (≥ 50%)",
};
/// Full-process online dossiers: the provincial snapshot is scored against 70 %.
pub const TARGET_FULLY_ONLINE: Target = Target {
    basis_points: 7_000,
    source: "Hồ sơ trực tuyến toàn trình (mục tiêu 70%)",
};
/// 4.2: at least 80 % digitised.
pub const TARGET_DIGITISED: Target = Target {
    basis_points: 8_000,
    source: "Chỉ số 4.2 (≥ 80%)",
};
/// 3.6: the provincial snapshot is scored against 60 %.
pub const TARGET_ONLINE_PAYMENT: Target = Target {
    basis_points: 6_000,
    source: "Chỉ số 3.6 (mục tiêu 60%)",
};
/// 5.4: at least 90 % satisfied.
pub const TARGET_SATISFACTION: Target = Target {
    basis_points: 9_000,
    source: "Chỉ số 5.4 (≥ 90%)",
};

/// **2.1 On-time rate** (tỷ lệ hồ sơ giải quyết đúng hạn): "`NgayKetThucXuLy ≤ NgayHenTra`. End
/// state in priority: processed > returned > stopped/refused/withdrawn. Time waiting for the
/// citizen to supplement is subtracted; a second supplementation request counts as late."
///
/// Dossiers finished in the period that are not late ÷ dossiers finished in the period. The
/// dossier row's `late` already applies the rule: the due date is moved by the supplement
/// pauses (`tuphap_core::dossier::resume`), a second request or a Form 04 apology makes it late.
///
/// ```
/// use tuphap_core::indicators::{Counts, Ratio, on_time_rate};
/// let c = Counts { finished: 40, finished_on_time: 39, ..Counts::default() };
/// assert_eq!(on_time_rate(&c), Ratio::new(39, 40));
/// assert_eq!(on_time_rate(&c).basis_points(), Some(9750));
/// ```
pub fn on_time_rate(c: &Counts) -> Ratio {
    Ratio::new(c.finished_on_time, c.finished)
}

/// **3.3 Online submission rate** (tỷ lệ hồ sơ trực tuyến): "`KenhThucHien` 2 = online, 1 = in
/// person, 3 = post. ≥ 50 %."
///
/// Dossiers received in the period with channel 2 ÷ dossiers received in the period.
///
/// ```
/// use tuphap_core::indicators::{Counts, Ratio, online_rate};
/// let c = Counts { received: 10, received_online: 6, ..Counts::default() };
/// assert_eq!(online_rate(&c), Ratio::new(6, 10));
/// ```
pub fn online_rate(c: &Counts) -> Ratio {
    Ratio::new(c.received_online, c.received)
}

/// **Full-process online rate** (hồ sơ trực tuyến toàn trình): 3.3 counts a dossier as online
/// "with an e-result where the procedure needs a paper result"; Decree 42/2022 calls a service
/// full-process when "submission and settlement both happen online".
///
/// Our definition: settled dossiers (processed or result returned) finished in the period that
/// were filed online (channel 2) **and** carry an electronic result ÷ settled dossiers finished
/// in the period. Refused, stopped and withdrawn dossiers have no result and are left out of both.
///
/// ```
/// use tuphap_core::indicators::{Counts, Ratio, fully_online_rate};
/// let c = Counts { settled: 20, settled_fully_online: 11, ..Counts::default() };
/// assert_eq!(fully_online_rate(&c), Ratio::new(11, 20));
/// ```
pub fn fully_online_rate(c: &Counts) -> Ratio {
    Ratio::new(c.settled_fully_online, c.settled)
}

/// **4.1 Electronic results** (hồ sơ có kết quả điện tử): "A result file is attached."
///
/// Settled dossiers finished in the period with an electronic result ÷ settled dossiers finished
/// in the period.
///
/// ```
/// use tuphap_core::indicators::{Counts, Ratio, e_result_rate};
/// let c = Counts { settled: 20, settled_e_result: 18, ..Counts::default() };
/// assert_eq!(e_result_rate(&c), Ratio::new(18, 20));
/// ```
pub fn e_result_rate(c: &Counts) -> Ratio {
    Ratio::new(c.settled_e_result, c.settled)
}

/// **4.2 Digitisation rate** (tỷ lệ số hóa hồ sơ): "Both dossier components and result carry
/// files. ≥ 80 %."
///
/// Settled dossiers finished in the period with an electronic result and at least one component
/// file ÷ settled dossiers finished in the period.
///
/// ```
/// use tuphap_core::indicators::{Counts, Ratio, digitised_rate};
/// let c = Counts { settled: 20, settled_digitised: 16, ..Counts::default() };
/// assert_eq!(digitised_rate(&c), Ratio::new(16, 20));
/// ```
pub fn digitised_rate(c: &Counts) -> Ratio {
    Ratio::new(c.settled_digitised, c.settled)
}

/// **3.6 Online payment** (hồ sơ thanh toán trực tuyến): "`DuocThanhToanTrucTuyen` 1 = national
/// portal, 2 = ministry or provincial gateway."
///
/// Fee-bearing dossiers received in the period paid online (1 or 2) ÷ fee-bearing dossiers
/// received in the period.
///
/// ```
/// use tuphap_core::indicators::{Counts, Ratio, online_payment_rate};
/// let c = Counts { fee_bearing: 5, fee_paid_online: 3, ..Counts::default() };
/// assert_eq!(online_payment_rate(&c), Ratio::new(3, 5));
/// ```
pub fn online_payment_rate(c: &Counts) -> Ratio {
    Ratio::new(c.fee_paid_online, c.fee_bearing)
}

/// **5.4 Satisfaction** (mức độ hài lòng): "100 % − (late rate + rate of dossiers with
/// complaints or dislikes)"; the sheet's "dissatisfied = more dislikes than likes, or late".
///
/// Over the dossiers finished in the period: (finished − late − disliked and not late) ÷
/// finished. A rating ≤ [`DISLIKE_MAX_SCORE`] is a dislike. A dossier both late and disliked is
/// dissatisfied once (the rate of disliked dossiers is taken among those on time, so the sum of
/// the two rates never counts a dossier twice and never goes below 0 %). `None` when ratings are
/// not collected.
///
/// ```
/// use tuphap_core::indicators::{Counts, Ratio, satisfaction_rate};
/// let c = Counts {
///     finished: 20, finished_on_time: 18, finished_disliked: Some(1), ..Counts::default()
/// };
/// // 100 % − (2/20 late + 1/20 disliked) = 17/20.
/// assert_eq!(satisfaction_rate(&c), Some(Ratio::new(17, 20)));
/// assert_eq!(satisfaction_rate(&Counts { finished_disliked: None, ..c }), None);
/// ```
pub fn satisfaction_rate(c: &Counts) -> Option<Ratio> {
    c.finished_disliked
        .map(|d| Ratio::new((c.finished_on_time - d).max(0), c.finished))
}

/// Every indicator of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Indicators {
    pub on_time: Ratio,
    pub online: Ratio,
    pub fully_online: Ratio,
    pub e_result: Ratio,
    pub digitised: Ratio,
    pub online_payment: Ratio,
    pub satisfaction: Option<Ratio>,
}

/// All the indicators of `c`.
pub fn indicators(c: &Counts) -> Indicators {
    Indicators {
        on_time: on_time_rate(c),
        online: online_rate(c),
        fully_online: fully_online_rate(c),
        e_result: e_result_rate(c),
        digitised: digitised_rate(c),
        online_payment: online_payment_rate(c),
        satisfaction: satisfaction_rate(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DossierStatus as S;

    fn facts(status: DossierStatus) -> DossierFacts {
        DossierFacts {
            channel: 2,
            status,
            received_at: Some(100),
            finished_at: status.is_finished().then_some(200),
            late: false,
            has_result: false,
            has_files: false,
            fee_vnd: 0,
            paid_online: 0,
            lowest_rating: None,
        }
    }

    #[test]
    fn cohorts_follow_the_period_and_the_end_states() {
        let p = Period { from: 100, to: 300 };
        let list = vec![
            // Settled online with an e-result and files: every settled count.
            DossierFacts {
                has_result: true,
                has_files: true,
                ..facts(S::ResultReturned)
            },
            // Processed in person, late, with a paper result only.
            DossierFacts {
                channel: 1,
                late: true,
                ..facts(S::Processed)
            },
            // Refused after receipt: finished, not settled.
            facts(S::Refused),
            // Withdrawn before receipt: neither received nor finished.
            DossierFacts {
                received_at: None,
                ..facts(S::Withdrawn)
            },
            // Still open: received only.
            facts(S::SupplementRequested),
            // Received before the period, finished in it.
            DossierFacts {
                received_at: Some(50),
                has_result: true,
                ..facts(S::Processed)
            },
            // Finished at the period's end (exclusive): not finished in it.
            DossierFacts {
                finished_at: Some(300),
                ..facts(S::Processed)
            },
        ];
        let c = Counts::tally(p, &list, false);
        assert_eq!(c.received, 5);
        assert_eq!(c.received_online, 4);
        assert_eq!(c.finished, 4);
        assert_eq!(c.finished_on_time, 3);
        assert_eq!(c.settled, 3);
        assert_eq!(c.settled_e_result, 2);
        assert_eq!(c.settled_digitised, 1);
        assert_eq!(c.settled_fully_online, 2);
        assert_eq!(c.finished_disliked, None);
        let i = indicators(&c);
        assert_eq!(i.on_time, Ratio::new(3, 4));
        assert_eq!(i.online, Ratio::new(4, 5));
        assert_eq!(i.satisfaction, None);
    }

    #[test]
    fn a_second_supplement_request_or_an_apology_counts_late() {
        // The dossier row carries `late` (set by the second request or Form 04); the indicator
        // takes it as is, even when finished before the due date.
        let list = [DossierFacts {
            late: true,
            ..facts(S::Processed)
        }];
        let c = Counts::tally(Period { from: 0, to: 1000 }, &list, true);
        assert_eq!(on_time_rate(&c), Ratio::new(0, 1));
    }

    #[test]
    fn payment_counts_fee_bearing_dossiers_only() {
        let list = [
            DossierFacts {
                fee_vnd: 8_000,
                paid_online: 1,
                ..facts(S::Received)
            },
            DossierFacts {
                fee_vnd: 8_000,
                paid_online: 2,
                ..facts(S::Received)
            },
            DossierFacts {
                fee_vnd: 8_000,
                ..facts(S::Received)
            },
            DossierFacts {
                paid_online: 1,
                ..facts(S::Received)
            },
        ];
        let c = Counts::tally(Period { from: 0, to: 1000 }, &list, true);
        assert_eq!(online_payment_rate(&c), Ratio::new(2, 3));
    }

    #[test]
    fn satisfaction_counts_a_late_and_disliked_dossier_once() {
        let list = [
            DossierFacts {
                lowest_rating: Some(1),
                late: true,
                ..facts(S::Processed)
            },
            DossierFacts {
                lowest_rating: Some(2),
                ..facts(S::Processed)
            },
            DossierFacts {
                lowest_rating: Some(3),
                ..facts(S::Processed)
            },
            facts(S::Processed),
        ];
        let c = Counts::tally(Period { from: 0, to: 1000 }, &list, true);
        assert_eq!(c.finished_disliked, Some(1));
        // 100 % − (1/4 late + 1/4 disliked) = 2/4.
        assert_eq!(satisfaction_rate(&c), Some(Ratio::new(2, 4)));
    }

    #[test]
    fn ratios_round_and_compare_exactly() {
        assert_eq!(Ratio::new(9728, 10_000).basis_points(), Some(9728));
        assert_eq!(Ratio::new(2, 3).basis_points(), Some(6667));
        assert_eq!(Ratio::new(49, 50).meets(TARGET_ON_TIME), Some(true));
        assert_eq!(Ratio::new(48, 50).meets(TARGET_ON_TIME), Some(false));
        assert_eq!(Ratio::new(0, 0).meets(TARGET_ON_TIME), None);
        let a = Counts {
            received: 2,
            finished_disliked: Some(1),
            ..Counts::default()
        };
        let b = Counts {
            received: 3,
            finished_disliked: None,
            ..Counts::default()
        };
        assert_eq!(a.add(&a).finished_disliked, Some(2));
        assert_eq!(a.add(&b).received, 5);
        assert_eq!(a.add(&b).finished_disliked, None);
    }
}
