import { TypingNotes } from '../../../server/ephemeral/typing-notes';

describe('TypingNotes', () => {
  let clock: number;
  let notes: TypingNotes;
  beforeEach(() => {
    clock = 1_000_000;
    notes = new TypingNotes(1000, () => clock);
  });

  it('holds a start until it is ended or its lifetime is over', () => {
    expect(notes.mayBeTyping('r1', 'alice')).toBe(false);
    notes.started('r1', 'alice');
    expect(notes.mayBeTyping('r1', 'alice')).toBe(true);
    expect(notes.mayBeTyping('r1', 'bob')).toBe(false);
    expect(notes.mayBeTyping('r2', 'alice')).toBe(false);
    notes.ended('r1', 'alice');
    expect(notes.mayBeTyping('r1', 'alice')).toBe(false);

    notes.started('r1', 'alice');
    clock += 999;
    expect(notes.mayBeTyping('r1', 'alice')).toBe(true);
    clock += 1;
    expect(notes.mayBeTyping('r1', 'alice')).toBe(false);
  });

  it('renews the lifetime on each start', () => {
    notes.started('r1', 'alice');
    clock += 800;
    notes.started('r1', 'alice');
    clock += 800;
    expect(notes.mayBeTyping('r1', 'alice')).toBe(true);
  });

  it('drops a user everywhere', () => {
    notes.started('r1', 'bob');
    notes.started('r2', 'alice');
    notes.endedEverywhere('bob');
    expect(notes.mayBeTyping('r1', 'bob')).toBe(false);
    expect(notes.mayBeTyping('r2', 'alice')).toBe(true);
    expect(notes.size).toBe(1);
  });

  it('forgets starts whose lifetime is over, so nothing accumulates', () => {
    for (let i = 0; i < 100; i++) notes.started(`room${i}`, `user${i}`);
    clock += 1000;
    notes.started('r1', 'alice');
    expect(notes.size).toBe(1);
  });
});
