"""Pacing checks on arrival times recorded by the tests' stand-ins.

paperboy spaces the starts of its requests; a stand-in records when each one arrived. An arrival
held up by a busy machine (scripts run three at once) brings the next one closer, so a single
gap may be shorter than the interval by as much as that delay while the sending was right. What
holds whatever the delays: any two requests k apart arrived at least k intervals apart, less the
largest delay one arrival can have had (the slack). Sending twice as fast, or not pacing at all,
still fails: two gaps in a row then come to one interval, short of two less the slack.
"""


def slack_for(interval):
    # An arrival held up by a busy machine has been seen 60 ms late at an interval of 0.1 s
    # (three scripts at once beside compilers), and a run's first request, which opens its
    # connection, 0.38 s late at 0.6 s under the sanitizers: 0.7 of the interval, never less
    # than 0.1 s nor more than 0.5 s. Two requests sent at once still fail (their gap is short
    # of the interval less the slack), and pacing at half the interval fails over a longer run
    # of requests (k apart, they come k/2 intervals short).
    return min(max(0.7 * interval, 0.1), 0.5)


def check_paced(ts, interval, what, slack=None):
    """Every two arrivals k apart are at least k * interval - slack seconds apart."""
    if slack is None:
        slack = slack_for(interval)
    ts = list(ts)
    worst = None
    for i in range(len(ts)):
        for j in range(i + 1, len(ts)):
            short = (j - i) * interval - slack - (ts[j] - ts[i])
            if short > 0 and (worst is None or short > worst[0]):
                worst = (short, i, j)
    if worst is not None:
        short, i, j = worst
        gaps = [round(b - a, 3) for a, b in zip(ts, ts[1:])]
        raise AssertionError("%s: arrivals %d and %d are %.3f s apart, want >= %d x %.3f - %.3f s"
                             " (gaps %s)" % (what, i, j, ts[j] - ts[i], j - i, interval, slack,
                                             gaps))
