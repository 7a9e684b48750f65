from amm.bench.matching import (
    ActionStamp,
    BookStamp,
    match,
    moves,
    parse_actions,
    parse_books,
    refreshes,
)

MS = 1_000_000


def book(t_ms: float, bid: float, ask: float, coin: str = "BTC") -> BookStamp:
    return BookStamp(int(t_ms * MS), coin, bid, ask)


def test_only_books_whose_touch_changed_are_moves() -> None:
    books = [
        book(0, 99, 101),  # the first book only sets the touch
        book(10, 99, 101),  # our own orders changed the depth: no move
        book(20, 101, 103),
        book(30, 99, 101, coin="ETH"),  # first of its coin
        book(40, 101, 103),
        book(50, 99, 101),
    ]
    assert [m.t_ns // MS for m in moves(books)] == [20, 50]


def test_each_move_is_answered_by_the_first_order_action_before_the_next() -> None:
    changes = [book(100, 99, 101), book(400, 101, 103)]
    actions = [
        ActionStamp(50 * MS, "batchModify", 6),  # before the first move
        ActionStamp(140 * MS, "scheduleCancel", 1),  # not an order action
        ActionStamp(150 * MS, "batchModify", 6),
        ActionStamp(160 * MS, "order", 1),
        ActionStamp(460 * MS, "cancelByCloid", 2),
    ]
    first, second = match(changes, actions, last_window_ms=300)
    assert (first.first_ms, first.last_ms, first.actions) == (50.0, 60.0, 2)
    assert (second.first_ms, second.last_ms, second.actions) == (60.0, 60.0, 1)


def test_a_move_without_an_action_in_its_window_is_unanswered() -> None:
    changes = [book(100, 99, 101), book(400, 101, 103)]
    late = ActionStamp(750 * MS, "batchModify", 6)  # after the last move's window
    answers = match(changes, [late], last_window_ms=300)
    assert [a.answered for a in answers] == [False, False]
    assert answers[0].first_ms is None and answers[0].actions == 0


def test_an_action_still_centred_on_the_old_mid_is_stale() -> None:
    changes = [book(100, 99, 101), book(400, 109, 111)]  # the mid moved from 100 to 110
    late = ActionStamp(410 * MS, "batchModify", 2, bids=(98.0,), asks=(102.0,))  # centre 100
    answer = ActionStamp(420 * MS, "batchModify", 2, bids=(108.0,), asks=(112.0,))  # centre 110
    one_sided = ActionStamp(405 * MS, "batchModify", 1, bids=(98.0,))  # cannot be judged
    second = match(changes, [late, answer], last_window_ms=300)[1]
    assert (second.first_ms, second.stale, second.actions) == (20.0, 1, 2)
    assert match(changes, [one_sided], last_window_ms=300)[1].first_ms == 5.0


def test_stamps_are_read_from_the_venue_rows() -> None:
    books = parse_books([[5, "BTC", 1_700_000_000_000, "49995", "50005"], [6, "BTC", 0, None, "1"]])
    assert books[0] == BookStamp(5, "BTC", 49995.0, 50005.0)
    assert books[0].mid == 50000.0 and books[1].mid is None
    modify = {"type": "batchModify", "modifies": [{"oid": "0x1", "order": {"b": True, "p": "10"}}]}
    rows = [
        [1, "/exchange", {"action": {"type": "order", "orders": [{"b": False, "p": "12"}] * 3}}],
        [2, "/exchange", {"action": modify}],
        [3, "/exchange", {"action": {"type": "scheduleCancel", "time": 5}}],
        [4, "/info", {"type": "openOrders"}],
        [5, "/exchange", None],  # not JSON
    ]
    order, batch, schedule = parse_actions(rows)
    assert (order.type, order.batch, order.bids, order.asks) == ("order", 3, (), (12.0,) * 3)
    assert (batch.batch, batch.bids) == (1, (10.0,))
    assert (schedule.type, schedule.batch) == ("scheduleCancel", 1)


def test_refreshes_group_back_to_back_actions() -> None:
    actions = [
        ActionStamp(0, "cancelByCloid", 1),
        ActionStamp(3 * MS, "batchModify", 6),
        ActionStamp(8 * MS, "order", 2),
        ActionStamp(50 * MS, "scheduleCancel", 1),  # not part of any refresh
        ActionStamp(200 * MS, "batchModify", 6),
    ]
    assert [len(group) for group in refreshes(actions, gap_ms=50)] == [3, 1]
