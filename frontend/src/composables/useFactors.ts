import { shallowRef } from 'vue'
import { factorsApi } from '@/api/endpoints'
import type { Factors } from '@/api/types'
import { useAsync } from '@/composables/useAsync'
import { useSessionStore } from '@/stores/session'

// The person's second factors (GET /api/me/factors), shared by the Security page's sections so one
// change (an app confirmed, a passkey added) shows in all of them, and the enrolment gate opens.
const factors = shallowRef<Factors | null>(null)
const loading = useAsync(() => factorsApi.list())

/** Any factor that counts on its own (recovery codes count only beside one). */
export const holdsFactor = (held: Factors | null) => !!held && held.methods.some((m) => m !== 'recovery_code')

export function useFactors() {
  const session = useSessionStore()
  async function refresh() {
    const loaded = await loading.run()
    if (!loaded.ok) return
    factors.value = loaded.value
    // The gate is the API's to open: ask it again once a factor is held.
    if (session.factorEnrolmentRequired && holdsFactor(loaded.value)) await session.stayAlive().catch(() => {})
  }
  return { factors, error: loading.error, refresh }
}
