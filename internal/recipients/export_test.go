package recipients

// PersonLookup is the duplicate rule's one statement, for the test of
// its query plan.
const PersonLookup = personLookup
