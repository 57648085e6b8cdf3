import { describe, expect, it } from 'vitest'
import { confirmationProblem, passwordProblem } from './passwordRules'

describe('password rules (mirroring the server)', () => {
  it('accepts 8 to 128 characters with a letter and a digit', () => {
    expect(passwordProblem('abcdefg1')).toBeNull()
    expect(passwordProblem('a1'.repeat(64))).toBeNull()
  })

  it('names the rule that is broken', () => {
    expect(passwordProblem('abc1')).toMatch(/at least 8/)
    expect(passwordProblem('a1'.repeat(64) + 'x')).toMatch(/at most 128/)
    expect(passwordProblem('12345678')).toMatch(/letter/)
    expect(passwordProblem('abcdefgh')).toMatch(/digit/)
  })

  it('requires the confirmation to match', () => {
    expect(confirmationProblem('abcdefg1', 'abcdefg1')).toBeNull()
    expect(confirmationProblem('abcdefg1', 'abcdefg2')).toMatch(/do not match/)
  })
})
