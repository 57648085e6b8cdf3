import { flushPromises, mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ACCOUNT_A, fakeApi, json, problem } from '@/test/fakeApi'
import BalanceChart from './BalanceChart.vue'

// uPlot draws on a canvas, which happy-dom lacks: a stand-in records what it was asked to draw.
const drawn = vi.hoisted(() => ({ charts: [] as { data: number[][]; target: HTMLElement }[], destroyed: 0 }))
vi.mock('uplot', () => {
  class FakePlot {
    static paths = { stepped: () => () => null }
    constructor(_opts: unknown, data: number[][], target: HTMLElement) {
      drawn.charts.push({ data, target })
    }
    setSize() {}
    destroy() {
      drawn.destroyed++
    }
  }
  return { default: FakePlot }
})

const history = (points: { at: string; amount: string; balance: string }[], balance: string, complete = true) => ({
  account: ACCOUNT_A,
  currency: 'EUR',
  balance,
  points,
  complete,
})

async function mountChart() {
  const wrapper = mount(BalanceChart, { props: { number: ACCOUNT_A }, attachTo: document.body })
  await flushPromises()
  await vi.dynamicImportSettled()
  await flushPromises()
  return wrapper
}

describe('balance chart', () => {
  beforeEach(() => {
    drawn.charts = []
    drawn.destroyed = 0
  })

  it('says the balance now with the lowest and highest, lists each movement, and draws the line to the balance now', async () => {
    const server = fakeApi({
      [`GET /api/accounts/${ACCOUNT_A}/balance-history`]: () =>
        json(
          history(
            [
              { at: '2026-03-01T10:00:00Z', amount: '100.00', balance: '100.00' },
              { at: '2026-03-02T10:00:00Z', amount: '-30.00', balance: '70.00' },
              { at: '2026-03-03T10:00:00Z', amount: '5.25', balance: '75.25' },
            ],
            '75.25',
          ),
        ),
    })
    const wrapper = await mountChart()
    const summary = wrapper.get('[data-testid="balance-summary"]').text()
    expect(summary).toContain('Balance now €75.25')
    expect(summary).toContain('3 movements since the account was opened')
    expect(summary).toContain('lowest at €70.00 and highest at €100.00')
    const rows = wrapper.findAll('[data-testid="balance-row"]').map((r) => r.text())
    expect(rows).toHaveLength(3)
    expect(rows[1]).toContain('−€30.00')
    expect(rows[1]).toContain('€70.00')
    expect(rows[2]).toContain('+€5.25')
    // The drawing is for the eye only; the caption and the table carry it for screen readers.
    const plot = wrapper.get('[data-testid="balance-plot"]')
    expect(plot.attributes('aria-hidden')).toBe('true')
    expect(drawn.charts).toHaveLength(1)
    expect(drawn.charts[0]!.target).toBe(plot.element)
    expect(drawn.charts[0]!.data[1]).toEqual([10000, 7000, 7525, 7525])
    expect(server.sent('GET', `/api/accounts/${ACCOUNT_A}/balance-history`)).toHaveLength(1)
    wrapper.unmount()
    expect(drawn.destroyed).toBe(1)
  })

  it('says when the points are only the latest movements, not the whole history', async () => {
    fakeApi({
      [`GET /api/accounts/${ACCOUNT_A}/balance-history`]: () =>
        json(history([{ at: '2026-03-03T10:00:00Z', amount: '-1.00', balance: '9.00' }], '9.00', false)),
    })
    const wrapper = await mountChart()
    expect(wrapper.get('[data-testid="balance-summary"]').text()).toContain('Over the latest 1 movement')
  })

  it('an account without movements says so in words and loads no chart', async () => {
    fakeApi({ [`GET /api/accounts/${ACCOUNT_A}/balance-history`]: () => json(history([], '0.00')) })
    const wrapper = await mountChart()
    expect(wrapper.get('[data-testid="balance-summary"]').text()).toBe(
      'Balance now €0.00. No money has moved in or out of this account yet.',
    )
    expect(wrapper.find('[data-testid="balance-plot"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="balance-row"]').exists()).toBe(false)
    expect(drawn.charts).toHaveLength(0)
  })

  it('a failed read shows the problem instead of a chart', async () => {
    fakeApi({ [`GET /api/accounts/${ACCOUNT_A}/balance-history`]: () => problem('service-unavailable', 503, 'Try again shortly.') })
    const wrapper = await mountChart()
    expect(wrapper.get('[role="alert"]').text()).toContain('IE Bank is briefly unavailable')
    expect(wrapper.find('[data-testid="balance-summary"]').exists()).toBe(false)
  })
})
