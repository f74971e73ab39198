namespace GanService.Tests.Training.ToyFamily;

// The walk-through of docs/adding-a-family.md, step 1 of 4: the networks, small pieces first, fields in forward order.

/// <summary>z (B, Z) → a point (B, 2).</summary>
public sealed class ToyGenerator : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> fc0, fc1, fc2;

    public ToyGenerator(int zDim, int hidden) : base(nameof(ToyGenerator))
    {
        fc0 = nn.Linear(zDim, hidden);
        fc1 = nn.Linear(hidden, hidden);
        fc2 = nn.Linear(hidden, 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z) => fc2.forward(nn.functional.relu(fc1.forward(nn.functional.relu(fc0.forward(z)))));
}

/// <summary>A point (B, 2) → a logit (B, 1).</summary>
public sealed class ToyDiscriminator : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> fc0, fc1, fc2;

    public ToyDiscriminator(int hidden) : base(nameof(ToyDiscriminator))
    {
        fc0 = nn.Linear(2, hidden);
        fc1 = nn.Linear(hidden, hidden);
        fc2 = nn.Linear(hidden, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(nn.functional.leaky_relu(fc1.forward(nn.functional.leaky_relu(fc0.forward(x), 0.2)), 0.2));
}
