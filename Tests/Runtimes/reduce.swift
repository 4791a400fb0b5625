// The swiftc compile SwiftRuntimeTests records: the lead's sweep found `swiftc -O` of this line
// standing still under swrr record (a swift-driver thread blocking every signal read the
// frontend's output in a buffered read), and then stopped by swift-frontend's SIOCGIFCONF.
print((1...100000).reduce(0, +))
