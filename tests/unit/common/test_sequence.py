from amm.common.sequence import SeqEventKind, SeqTracker


def test_first_message_from_a_publisher_is_reported_as_joined_not_as_a_gap():
    tracker = SeqTracker()
    event = tracker.observe("risk", "e1", 57)
    assert event is not None and event.kind is SeqEventKind.FIRST
    assert event.missing == 0


def test_consecutive_messages_produce_no_event():
    tracker = SeqTracker()
    tracker.observe("risk", "e1", 1)
    assert [tracker.observe("risk", "e1", seq) for seq in range(2, 10)] == [None] * 8
    assert tracker.publishers["risk"].received == 9


def test_gap_reports_how_many_messages_were_lost():
    tracker = SeqTracker()
    tracker.observe("risk", "e1", 1)
    event = tracker.observe("risk", "e1", 5)
    assert event is not None and event.kind is SeqEventKind.GAP
    assert (event.previous_seq, event.seq, event.missing) == (1, 5, 3)
    assert tracker.publishers["risk"].gaps == 1
    assert tracker.publishers["risk"].missing == 3
    assert tracker.observe("risk", "e1", 6) is None


def test_duplicate_or_older_seq_is_reported_and_not_accepted():
    tracker = SeqTracker()
    tracker.observe("risk", "e1", 1)
    tracker.observe("risk", "e1", 2)
    for seq in (2, 1):
        event = tracker.observe("risk", "e1", seq)
        assert event is not None and event.kind is SeqEventKind.DUPLICATE
        assert not tracker.is_accepted(event)
    assert tracker.publishers["risk"].duplicates == 2
    assert tracker.observe("risk", "e1", 3) is None


def test_new_epoch_is_a_restart_even_when_seq_starts_over():
    tracker = SeqTracker()
    tracker.observe("quoter", "old", 1)
    tracker.observe("quoter", "old", 2)
    event = tracker.observe("quoter", "new", 1)
    assert event is not None and event.kind is SeqEventKind.RESTART
    assert (event.previous_epoch, event.epoch, event.seq) == ("old", "new", 1)
    assert tracker.is_accepted(event)
    assert tracker.observe("quoter", "new", 2) is None
    assert tracker.publishers["quoter"].restarts == 1


def test_publishers_are_tracked_independently():
    tracker = SeqTracker()
    tracker.observe("risk", "a", 1)
    tracker.observe("quoter", "b", 100)
    assert tracker.observe("risk", "a", 2) is None
    assert tracker.observe("quoter", "b", 101) is None
