"""Planning in workforce: arrival forecasts, staffing requirements against the schedule,
and batch deadlines (issue 18).

- `erlang`: the staffing arithmetic (Erlang C for work answered within seconds or minutes,
  the backlog formula for deferred work); pure functions, no database.
- `forecast`: arrivals per engagement per day and half hour from history (statsmodels'
  Holt-Winters, weekly seasonality, the client's holidays), with its error on held-out
  history against a seasonal-naive baseline.
- `staffing`: required agents per interval compared with the scheduled ones, and what-ifs.
- `selectors`, `services`: the tenant-scoped reads and the audited writes (batch deadlines).
"""
