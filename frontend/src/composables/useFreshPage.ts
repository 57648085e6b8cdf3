import { readonly, ref } from 'vue'
import { isNavigationFailure, NavigationFailureType, useRouter } from 'vue-router'

// Bumped each time a person follows a header link. App.vue keys the page by it, so "Send money"
// after "Money sent" (or "Cash deposit" after a deposit) opens an empty form, even when the link
// points at the page already shown, instead of the finished one.
const visits = ref(0)

export function useFreshPage() {
  const router = useRouter()
  return {
    visits: readonly(visits),
    /**
     * Opens the link's page afresh once the navigation has landed (or found it is there already),
     * never before: remounting the page being left would re-send its reads, and a session found
     * ended by them would send the person back there after sign-in instead of where they went.
     */
    fresh: () => {
      const stop = router.afterEach((_to, _from, failure) => {
        stop()
        if (!failure || isNavigationFailure(failure, NavigationFailureType.duplicated)) visits.value++
      })
    },
  }
}
