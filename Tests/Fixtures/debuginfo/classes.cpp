// C++ debug-info fixture: namespaces, classes with inheritance, references, templates,
// methods. Lines the tests stop at are tagged "MARK:name".
#include <cstdio>

namespace geo {

struct Base {
    int id;
    virtual ~Base() {}
};

struct Shape : Base {
    double area;
    const char *label;
};

class Circle : public Shape {
public:
    explicit Circle(double r) : radius(r) { id = 7; area = 3.0 * r * r; label = "circle"; }
    __attribute__((noinline)) double scaled(const double &factor) const {
        double result = radius * factor;
        return result;  // MARK:method
    }
    double radius;
};

template <typename T, int N>
struct Buffer {
    T items[N];
    __attribute__((noinline)) T sum() const {
        T total = T();
        for (int i = 0; i < N; i++) total += items[i];
        return total;  // MARK:template
    }
};

}  // namespace geo

volatile double sink;

int main() {
    geo::Circle c(2.0);
    const geo::Shape &ref = c;
    geo::Buffer<int, 4> ints = {{1, 2, 3, 4}};
    geo::Buffer<double, 2> doubles = {{0.5, 0.25}};
    sink = c.scaled(2.0) + ints.sum() + doubles.sum() + ref.area;
    return 0;
}
