//! Erlang C staffing, numerically stable for large loads: Erlang B by its recursion
//! B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)) (no factorials, no powers), then
//! C(N, A) = N·B / (N − A·(1 − B)) and the service level
//! SL = 1 − C·exp(−(N − A)·T / AHT), the share of contacts picked up within T.

/// Erlang B blocking probability with `agents` servers and `load` Erlangs.
pub fn erlang_b(agents: u32, load: f64) -> f64 {
    let mut b = 1.0;
    for n in 1..=agents {
        b = load * b / (f64::from(n) + load * b);
    }
    b
}

/// Erlang C probability that a contact waits; 1 when `agents` cannot carry `load`.
pub fn erlang_c(agents: u32, load: f64) -> f64 {
    c_from_b(agents, load, erlang_b(agents, load))
}

fn c_from_b(agents: u32, load: f64, b: f64) -> f64 {
    let n = f64::from(agents);
    if n <= load {
        return 1.0;
    }
    n * b / (n - load * (1.0 - b))
}

/// Share of contacts answered within `within_seconds` with `agents` working agents.
pub fn service_level(agents: u32, load: f64, aht_seconds: f64, within_seconds: f64) -> f64 {
    sl_from_c(
        agents,
        load,
        erlang_c(agents, load),
        aht_seconds,
        within_seconds,
    )
}

fn sl_from_c(agents: u32, load: f64, c: f64, aht_seconds: f64, within_seconds: f64) -> f64 {
    let n = f64::from(agents);
    if n <= load {
        return 0.0;
    }
    (1.0 - c * (-(n - load) * within_seconds / aht_seconds).exp()).clamp(0.0, 1.0)
}

/// What a service-level target needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffing {
    /// Average handle time of one contact, seconds.
    pub aht_seconds: f64,
    /// Target: picked up within this many seconds...
    pub answer_within_seconds: f64,
    /// ...for this share of contacts (0.8 = 80 %).
    pub service_level: f64,
    /// Contacts one agent handles at once (chat); the load is divided by it.
    pub concurrency: f64,
    /// Share of paid time not available for contacts (breaks, meetings), 0 ≤ s < 1.
    pub shrinkage: f64,
}

impl Staffing {
    /// Offered load in Erlangs of `per_hour` contacts, after concurrency.
    pub fn load(&self, per_hour: f64) -> f64 {
        per_hour.max(0.0) * self.aht_seconds / 3600.0 / self.concurrency.max(1e-9)
    }

    /// Working agents needed (before shrinkage): the least N meeting the target.
    pub fn working_agents(&self, per_hour: f64) -> u32 {
        let load = self.load(per_hour);
        if load <= 0.0 {
            return 0;
        }
        // B up to the first N above the load, then one step per extra agent.
        let mut n: u32 = 0;
        let mut b = 1.0;
        loop {
            n += 1;
            b = load * b / (f64::from(n) + load * b);
            if f64::from(n) > load {
                let c = c_from_b(n, load, b);
                let sl = sl_from_c(n, load, c, self.aht_seconds, self.answer_within_seconds);
                if sl >= self.service_level || n == u32::MAX {
                    return n;
                }
            }
        }
    }

    /// Agents to roster (paid) so that enough are working after shrinkage.
    pub fn agents(&self, per_hour: f64) -> u32 {
        let working = f64::from(self.working_agents(per_hour));
        let available = (1.0 - self.shrinkage).clamp(1e-9, 1.0);
        // The small epsilon keeps 7 / 0.7 at 10, not 10.000000000000002 rounded up.
        (working / available - 1e-9).ceil().max(0.0) as u32
    }

    /// Predicted service level when `rostered` agents are paid for the hour.
    pub fn predicted_service_level(&self, rostered: u32, per_hour: f64) -> f64 {
        let load = self.load(per_hour);
        if load <= 0.0 {
            return 1.0;
        }
        let working = (f64::from(rostered) * (1.0 - self.shrinkage) + 1e-9).floor() as u32;
        service_level(working, load, self.aht_seconds, self.answer_within_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard Erlang B table (traffic in Erlangs carried by n lines at a given
    /// blocking), column "1 %", as printed in telephone-traffic references: n = 5 → 1.36,
    /// 10 → 4.46, 20 → 12.03, 50 → 37.90, 100 → 84.06 Erlangs. The table rounds loads to
    /// 2 decimals, so B is 1 % within that rounding.
    #[test]
    fn erlang_b_matches_the_published_one_percent_table() {
        for (n, a) in [
            (5, 1.36),
            (10, 4.46),
            (20, 12.03),
            (50, 37.90),
            (100, 84.06),
        ] {
            let b = erlang_b(n, a);
            assert!((b - 0.01).abs() < 0.0003, "n={n} a={a} b={b}");
        }
    }

    /// Worked example "The Erlang-C Formula", Mitan Ltd (http://www.mitan.co.uk/erlang/elgcmath.htm):
    /// 360 calls per half hour, 4-minute calls, 55 agents, 15-second target: traffic
    /// intensity 48 Erlangs, probability of waiting 23.87 %, average speed of answer 8.18 s,
    /// service level 84.6 %.
    #[test]
    fn erlang_c_matches_the_published_worked_example() {
        let load: f64 = 360.0 * 2.0 * 240.0 / 3600.0;
        assert!((load - 48.0).abs() < 1e-12);
        let c = erlang_c(55, load);
        assert!((c - 0.2387).abs() < 0.00005, "{c}");
        let asa = c * 240.0 / (55.0 - load);
        assert!((asa - 8.18).abs() < 0.005, "{asa}");
        let sl = service_level(55, load, 240.0, 15.0);
        assert!((sl - 0.846).abs() < 0.0005, "{sl}");
    }

    #[test]
    fn agents_needed_is_the_least_meeting_the_target() {
        // 720 calls/hour of 240 s at 80 % in 15 s: 55 agents give 84.6 % (above); 54 must not.
        let s = Staffing {
            aht_seconds: 240.0,
            answer_within_seconds: 15.0,
            service_level: 0.8,
            concurrency: 1.0,
            shrinkage: 0.0,
        };
        let n = s.working_agents(720.0);
        assert!(service_level(n, 48.0, 240.0, 15.0) >= 0.8);
        assert!(service_level(n - 1, 48.0, 240.0, 15.0) < 0.8);
        assert_eq!(s.working_agents(0.0), 0);
        // Concurrency 2 halves the load; shrinkage 30 % rosters working / 0.7.
        let chat = Staffing {
            concurrency: 2.0,
            shrinkage: 0.3,
            ..s
        };
        let working = s.working_agents(360.0);
        assert_eq!(chat.working_agents(720.0), working);
        assert_eq!(chat.agents(720.0), (f64::from(working) / 0.7).ceil() as u32);
    }

    #[test]
    fn large_loads_stay_finite() {
        // 10,000 Erlangs: factorials overflow f64 long before this.
        let c = erlang_c(10_200, 10_000.0);
        assert!(c.is_finite() && c > 0.0 && c < 1.0, "{c}");
        let s = Staffing {
            aht_seconds: 300.0,
            answer_within_seconds: 20.0,
            service_level: 0.9,
            concurrency: 1.0,
            shrinkage: 0.0,
        };
        let n = s.working_agents(120_000.0);
        assert!(n > 10_000 && n < 10_400, "{n}");
    }
}
