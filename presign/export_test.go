package presign

// SetListPartsPageSize makes ListParts ask for pages of n parts until the returned
// function restores the default.
func SetListPartsPageSize(n int32) (restore func()) {
	old := listPartsPageSize
	listPartsPageSize = n
	return func() { listPartsPageSize = old }
}
